using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopSemaphoreTests
{
    [Fact]
    public void Constructor_NegativeValue_ThrowsArgumentOutOfRange()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new LoopSemaphore(-1));
        Should.Throw<ArgumentOutOfRangeException>(() => new LoopBoundedSemaphore(-1));
    }

    [Fact]
    public void Value_NewSemaphore_IsInitialValue()
    {
        var sut = new LoopSemaphore(3);

        sut.Value.ShouldBe(3);
        sut.Locked.ShouldBeFalse();
        new LoopSemaphore().Value.ShouldBe(1);
        new LoopSemaphore(0).Locked.ShouldBeTrue();
    }

    [Fact]
    public void AcquireAsync_NPermits_NCompleteAtOnceAndTheNextWaits() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(3);
        var values = new List<int>();

        test.OnLoop(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                values.Add(sut.Value);
                sut.Locked.ShouldBeFalse();
                sut.AcquireAsync().ShouldCompleteSynchronously();
            }
        });
        bool fourth = false;
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            fourth = true;
        });
        test.RunUntilIdle();

        values.ShouldBe([3, 2, 1]);
        sut.Value.ShouldBe(0);
        sut.Locked.ShouldBeTrue();
        fourth.ShouldBeFalse();

        test.OnLoop(sut.Release);

        fourth.ShouldBeTrue();
        sut.Value.ShouldBe(0, "the permit was handed to the waiter");

        test.OnLoop(sut.Release);
        sut.Value.ShouldBe(1);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Release_WithWaiters_WakesThemInFifoOrderOnePerRelease() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(0);
        var order = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            int id = i;
            test.Loop.CreateTask(async () =>
            {
                await sut.AcquireAsync();
                order.Add(id);
            });
        }

        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.Release();
            sut.Release();
        });
        order.ShouldBe([0, 1]);

        test.OnLoop(() =>
        {
            sut.Release();
            sut.Release();
            sut.Release();
        });
        order.ShouldBe([0, 1, 2, 3]);
        sut.Value.ShouldBe(1);
    });

    [Fact]
    public void Locked_PermitFreeButWaiterQueued_IsTrue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(0);
        test.Loop.CreateTask(async () => await sut.AcquireAsync());
        test.RunUntilIdle();

        bool locked = test.OnLoop(() =>
        {
            sut.Release();
            return sut.Locked;
        });

        locked.ShouldBeTrue("the released permit went to the waiter");
    });

    [Fact]
    public void AcquireAsync_CancelledWaiter_PermitGoesToNextWaiter() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(0);
        using var cts = new CancellationTokenSource();
        Task first = test.Loop.CreateTask(async () => await sut.AcquireAsync(cts.Token));
        Task second = test.Loop.CreateTask(async () => await sut.AcquireAsync());
        Task third = test.Loop.CreateTask(async () => await sut.AcquireAsync());
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);
        test.OnLoop(() => third.Cancel());
        test.OnLoop(sut.Release);

        first.IsCanceled.ShouldBeTrue();
        third.IsCanceled.ShouldBeTrue();
        second.IsCompletedSuccessfully.ShouldBeTrue();
        sut.Value.ShouldBe(0);
        test.OnLoop(sut.Release);
        sut.Value.ShouldBe(1, "no permit is lost");
    });

    [Fact]
    public void LockAsync_UsingBlock_ReturnsThePermit() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(2);
        int valueInside = -1;

        Task task = test.Loop.CreateTask(async () =>
        {
            using (await sut.LockAsync())
            {
                valueInside = sut.Value;
            }
        });
        test.RunUntilIdle();

        task.IsCompletedSuccessfully.ShouldBeTrue();
        valueInside.ShouldBe(1);
        sut.Value.ShouldBe(2);
    });

    [Fact]
    public void Release_Unbounded_RaisesValueAboveInitial() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopSemaphore(1);

        test.OnLoop(() =>
        {
            sut.Release();
            sut.Release();
        });

        sut.Value.ShouldBe(3);
    });

    [Fact]
    public void BoundedRelease_MoreThanAcquired_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBoundedSemaphore(2);

        Exception? error = test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Release();
            return Record.Exception(sut.Release);
        });

        error.ShouldBeOfType<InvalidOperationException>();
        sut.Value.ShouldBe(2);
    });

    [Fact]
    public void BoundedRelease_NeverAcquired_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBoundedSemaphore(1);

        Exception? error = test.OnLoop(() => Record.Exception(sut.Release));

        error.ShouldBeOfType<InvalidOperationException>();
        sut.Value.ShouldBe(1);
    });

    [Fact]
    public void BoundedRelease_WithWaiter_HandsPermitWithoutThrowing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopBoundedSemaphore(1);
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
        Task waiter = test.Loop.CreateTask(async () => await sut.AcquireAsync());
        test.RunUntilIdle();

        test.OnLoop(sut.Release);
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
        test.OnLoop(sut.Release);

        sut.Value.ShouldBe(1);
        test.OnLoop(() => Record.Exception(sut.Release)).ShouldBeOfType<InvalidOperationException>();
    });
}
