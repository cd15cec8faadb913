using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopBarrierTests
{
    [Fact]
    public void Constructor_LessThanOneParty_ThrowsArgumentOutOfRange()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new LoopBarrier(0));
    }

    [Fact]
    public void Properties_NewBarrier_AreEmptyAndUnbroken()
    {
        var sut = new LoopBarrier(3);

        sut.Parties.ShouldBe(3);
        sut.NWaiting.ShouldBe(0);
        sut.Broken.ShouldBeFalse();
    }

    [Fact]
    public void WaitAsync_OneParty_CompletesSynchronouslyWithIndexZero() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(1);

        int index = test.OnLoop(() => sut.WaitAsync().ShouldCompleteSynchronously());

        index.ShouldBe(0);
    });

    [Fact]
    public void WaitAsync_AllParties_ReturnDistinctArrivalIndexes() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(4);
        var tasks = new List<Task<int>>();
        for (int i = 0; i < 3; i++)
        {
            tasks.Add(test.Loop.CreateTask(async () => await sut.WaitAsync()));
        }

        test.RunUntilIdle();
        tasks.ShouldAllBe(t => !t.IsCompleted);
        sut.NWaiting.ShouldBe(3);

        int? lastIndex = null;
        int resumedInsideLastWait = -1;
        test.OnLoop(() =>
        {
            // The last party does not suspend, and the others are scheduled, not run inside its call.
            lastIndex = sut.WaitAsync().ShouldCompleteSynchronously();
            resumedInsideLastWait = tasks.Count(t => t.IsCompleted);
        });

        resumedInsideLastWait.ShouldBe(0);
        lastIndex.ShouldBe(3);
        tasks.Select(t => t.Result).ShouldBe([0, 1, 2], "indexes follow arrival order");
        sut.NWaiting.ShouldBe(0);
        sut.Broken.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_SecondRound_BarrierIsReusable() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(3);
        var rounds = new List<int>[] { [], [] };
        for (int i = 0; i < 3; i++)
        {
            test.Loop.CreateTask(async () =>
            {
                rounds[0].Add(await sut.WaitAsync());
                rounds[1].Add(await sut.WaitAsync());
            });
        }

        test.RunUntilIdle();

        rounds[0].Order().ShouldBe([0, 1, 2]);
        rounds[1].Order().ShouldBe([0, 1, 2]);
        sut.NWaiting.ShouldBe(0);
    });

    [Fact]
    public void Reset_WithWaiters_BreaksThemWithBrokenBarrierExceptionAndLeavesBarrierUsable() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(3);
        var waiters = new List<Task<int>>
        {
            test.Loop.CreateTask(async () => await sut.WaitAsync()),
            test.Loop.CreateTask(async () => await sut.WaitAsync()),
        };
        test.RunUntilIdle();
        sut.NWaiting.ShouldBe(2);

        test.OnLoop(sut.Reset);

        foreach (Task<int> waiter in waiters)
        {
            waiter.IsFaulted.ShouldBeTrue();
            waiter.Exception!.InnerException.ShouldBeOfType<BrokenBarrierException>();
        }

        sut.Broken.ShouldBeFalse();
        sut.NWaiting.ShouldBe(0);

        var next = new List<Task<int>>();
        for (int i = 0; i < 3; i++)
        {
            next.Add(test.Loop.CreateTask(async () => await sut.WaitAsync()));
        }

        test.RunUntilIdle();
        next.Select(t => t.Result).Order().ShouldBe([0, 1, 2]);
    });

    [Fact]
    public void Abort_WithWaiters_BreaksThemAndLaterWaitsUntilReset() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(2);
        Task<int> waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        test.OnLoop(sut.Abort);

        waiter.IsFaulted.ShouldBeTrue();
        waiter.Exception!.InnerException.ShouldBeOfType<BrokenBarrierException>();
        sut.Broken.ShouldBeTrue();
        sut.NWaiting.ShouldBe(0);

        Task<int> late = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();
        late.IsFaulted.ShouldBeTrue();
        late.Exception!.InnerException.ShouldBeOfType<BrokenBarrierException>();

        test.OnLoop(sut.Reset);
        sut.Broken.ShouldBeFalse();
        Task<int> a = test.Loop.CreateTask(async () => await sut.WaitAsync());
        Task<int> b = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();
        new[] { a.Result, b.Result }.ShouldBe([0, 1]);
    });

    [Fact]
    public void WaitAsync_CancelledWaiter_LeavesAndFreesItsPlace() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(4);
        using var cts = new CancellationTokenSource();
        Task<int> first = test.Loop.CreateTask(async () => await sut.WaitAsync());
        Task<int> cancelledByToken = test.Loop.CreateTask(async () => await sut.WaitAsync(cts.Token));
        Task<int> cancelledByTask = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();
        sut.NWaiting.ShouldBe(3);

        test.OnLoop(cts.Cancel);
        test.OnLoop(() => cancelledByTask.Cancel());

        cancelledByToken.IsCanceled.ShouldBeTrue();
        cancelledByTask.IsCanceled.ShouldBeTrue();
        first.IsCompleted.ShouldBeFalse();
        sut.NWaiting.ShouldBe(1);

        Task<int> second = test.Loop.CreateTask(async () => await sut.WaitAsync());
        Task<int> third = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();
        sut.NWaiting.ShouldBe(3, "the cancelled waiters' places were free again");
        first.IsCompleted.ShouldBeFalse();

        Task<int> fourth = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        new[] { first.Result, second.Result, third.Result, fourth.Result }.ShouldBe([0, 1, 2, 3]);
        sut.Broken.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_FromOtherThreadWhileLoopRuns_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(3);
        test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.WaitAsync())));

        error.ShouldBeMisuseFromOtherThread();
        sut.NWaiting.ShouldBe(1);
    });

    [Fact]
    public void Abort_FromOtherThreadWhileLoopRuns_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBarrier(2);
        Task<int> waiter = test.Loop.CreateTask(async () => await sut.WaitAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(sut.Abort));

        error.ShouldBeMisuseFromOtherThread();
        sut.Broken.ShouldBeFalse();
        waiter.IsCompleted.ShouldBeFalse();
    });
}
