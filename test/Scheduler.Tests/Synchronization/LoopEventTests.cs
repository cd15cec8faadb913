using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopEventTests
{
    [Fact]
    public void IsSet_NewEvent_IsFalse()
    {
        new LoopEvent().IsSet.ShouldBeFalse();
    }

    [Fact]
    public void WaitAsync_WhenSet_CompletesSynchronously() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();

        test.OnLoop(() =>
        {
            sut.Set();
            sut.WaitAsync().ShouldCompleteSynchronously();
        });

        sut.IsSet.ShouldBeTrue();
    });

    [Fact]
    public void WaitAsync_WhenNotSet_WaitsUntilSet() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        Task waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());

        test.RunUntilIdle();
        waiter.IsCompleted.ShouldBeFalse();

        test.OnLoop(sut.Set);
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Set_WithWaiters_WakesAllInFifoOrderNotInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        var order = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            int id = i;
            test.Loop.CreateTask(async () =>
            {
                await sut.WaitAsync();
                order.Add(id);
            });
        }

        test.RunUntilIdle();
        int wokenInsideSet = -1;

        test.OnLoop(() =>
        {
            sut.Set();
            wokenInsideSet = order.Count;
        });

        wokenInsideSet.ShouldBe(0, "waking schedules the waiters, it does not run them inside Set()");
        order.ShouldBe([0, 1, 2, 3, 4]);
    });

    [Fact]
    public void Clear_AfterSet_MakesLaterWaitsWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        test.OnLoop(() =>
        {
            sut.Set();
            sut.Clear();
        });
        sut.IsSet.ShouldBeFalse();

        Task waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();
        waiter.IsCompleted.ShouldBeFalse();

        test.OnLoop(sut.Set);
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Clear_RightAfterSet_WaitersAlreadyWokenStillResume() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        Task waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.Set();
            sut.Clear();
        });

        waiter.IsCompletedSuccessfully.ShouldBeTrue();
        sut.IsSet.ShouldBeFalse();
    });

    [Fact]
    public void Set_Twice_IsIdempotent() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();

        test.OnLoop(() =>
        {
            sut.Set();
            sut.Set();
        });

        sut.IsSet.ShouldBeTrue();
    });

    [Fact]
    public void WaitAsync_CancelledByToken_ThrowsAndOtherWaitersStillWoken() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        using var cts = new CancellationTokenSource();
        Task cancelled = test.Loop.CreateTask(async () => await sut.WaitAsync(cts.Token));
        Task other = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);

        cancelled.IsCanceled.ShouldBeTrue();
        other.IsCompleted.ShouldBeFalse();
        sut.IsSet.ShouldBeFalse();

        test.OnLoop(sut.Set);
        other.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void WaitAsync_CancelledByTaskCancel_ThrowsAndOtherWaitersStillWoken() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        bool caught = false;
        Task cancelled = test.Loop.CreateTask(async () =>
        {
            try
            {
                await sut.WaitAsync();
            }
            catch (OperationCanceledException)
            {
                caught = true;
                throw;
            }
        });
        Task other = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        test.OnLoop(() => cancelled.Cancel());

        caught.ShouldBeTrue();
        cancelled.IsCanceled.ShouldBeTrue();
        other.IsCompleted.ShouldBeFalse();

        test.OnLoop(sut.Set);
        other.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Set_FromOtherThreadWhileLoopRunsWithWaiter_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        Task waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(sut.Set));

        error.ShouldBeMisuseFromOtherThread();
        sut.IsSet.ShouldBeFalse();
        waiter.IsCompleted.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_FromOtherThreadWhileLoopRuns_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.WaitAsync())));

        error.ShouldBeMisuseFromOtherThread();
    });

    [Fact]
    public void Clear_FromOtherThreadAfterUseOnLoop_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        Exception? error = null;

        test.OnLoop(() =>
        {
            sut.Set();
            sut.WaitAsync().ShouldCompleteSynchronously();
            error = LoopTestHelpers.FromOtherThread(sut.Clear);
        });

        error.ShouldBeMisuseFromOtherThread();
        sut.IsSet.ShouldBeTrue();
    });

    [Fact]
    public void Set_ThroughCallSoonThreadSafe_WakesWaiter() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopEvent();
        Task waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => test.Loop.CallSoonThreadSafe(sut.Set)).ShouldBeNull());

        waiter.IsCompletedSuccessfully.ShouldBeTrue();
    });
}
