using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopConditionTests
{
    [Fact]
    public void Constructor_WithLock_UsesThatLock()
    {
        var @lock = new LoopLock();

        var sut = new LoopCondition(@lock);

        sut.Lock.ShouldBeSameAs(@lock);
        new LoopCondition().Lock.ShouldNotBeNull();
    }

    [Fact]
    public void WaitAsync_WithoutLock_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        Exception? error = null;

        test.Loop.CreateTask(async () => error = await Record.ExceptionAsync(async () => await sut.WaitAsync()));
        test.RunUntilIdle();

        error.ShouldBeOfType<InvalidOperationException>();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitForAsync_WithoutLock_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        Exception? error = null;

        test.Loop.CreateTask(async () => error = await Record.ExceptionAsync(async () => await sut.WaitForAsync(() => false)));
        test.RunUntilIdle();

        error.ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void NotifyAndNotifyAll_WithoutLock_ThrowInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();

        test.OnLoop(() => Record.Exception(() => sut.Notify())).ShouldBeOfType<InvalidOperationException>();
        test.OnLoop(() => Record.Exception(sut.NotifyAll)).ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void WaitAsync_WhileWaiting_ReleasesTheLock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        StartNotifiedWaiter(test, sut);

        test.RunUntilIdle();

        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Notify_Count_WakesThatManyInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var order = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            int id = i;
            StartNotifiedWaiter(test, sut, () => order.Add(id));
        }

        test.RunUntilIdle();
        int wokenInsideNotify = -1;

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify(2);
            wokenInsideNotify = order.Count;
            sut.Release();
        });

        wokenInsideNotify.ShouldBe(0);
        order.ShouldBe([0, 1]);

        NotifyOne(test, sut);

        order.ShouldBe([0, 1, 2]);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void NotifyAll_WakesEveryWaiterInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var order = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            int id = i;
            StartNotifiedWaiter(test, sut, () => order.Add(id));
        }

        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.NotifyAll();
            sut.Release();
        });

        order.ShouldBe([0, 1, 2, 3, 4]);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Notify_NoWaiters_DoesNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify(3);
            sut.NotifyAll();
            sut.Release();
        });

        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_Notified_ReturnsOnlyOnceTheNotifierReleasesAndWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        bool resumed = false;
        bool lockedOnReturn = false;
        StartNotifiedWaiter(test, sut, () =>
        {
            resumed = true;
            lockedOnReturn = sut.Locked;
        });
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify();
        });

        resumed.ShouldBeFalse("the notifier still holds the lock");

        test.OnLoop(sut.Release);

        resumed.ShouldBeTrue();
        lockedOnReturn.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_LockTakenBeforeTheNotifiedWaiterRuns_WaiterAsksForItInItsTurn() => Guard.Run(() =>
    {
        // asyncio's notified waiter asks for the lock when it runs, one turn after the notify: a task whose step was
        // queued before that wake-up takes the free lock first, and the waiter waits for it.
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var events = new List<string>();
        var gate = new LoopEvent();
        StartNotifiedWaiter(test, sut, () => events.Add("waiter has the lock"));
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            test.Loop.CreateTask(async () =>
            {
                await sut.AcquireAsync();
                events.Add("other has the lock");
                await gate.WaitAsync();
                sut.Release();
            });
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify();
            sut.Release();
        });

        events.ShouldBe(["other has the lock"]);

        test.OnLoop(gate.Set);

        events.ShouldBe(["other has the lock", "waiter has the lock"]);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_LockFreeWhenTheWaiterRuns_ResumesInThatTurnAheadOfLaterCallbacks() => Guard.Run(() =>
    {
        // Like an awaited async method, the wait costs no turn of its own once the lock is back: the waiter's code runs
        // in the turn of its wake-up, before a callback scheduled after the notify.
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var events = new List<string>();
        StartNotifiedWaiter(test, sut, () => events.Add("waiter resumed"));
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify();
            sut.Release();
            test.Loop.CallSoon(() => events.Add("callback"));
        });

        events.ShouldBe(["waiter resumed", "callback"]);
    });

    [Fact]
    public void WaitForAsync_PredicateThrowsAtOnce_FailsTheAwaitableInsteadOfTheCall() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        ValueTask<bool> pending = default;

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            pending = sut.WaitForAsync(() => throw new InvalidOperationException("predicate"));
        });

        pending.IsFaulted.ShouldBeTrue();
        Should.Throw<InvalidOperationException>(() => pending.AsTask()).Message.ShouldBe("predicate");
        sut.Locked.ShouldBeTrue("the predicate ran under the lock, which the caller still holds");
    });

    [Fact]
    public void WaitForAsync_PredicateThrowsAfterANotification_FailsWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        int checks = 0;
        var failure = new WaitFailure();
        Task waiter = StartWaiter(test, sut, async () => await sut.WaitForAsync(() => ++checks == 2 ? throw new InvalidOperationException("predicate") : false), failure);
        test.RunUntilIdle();

        NotifyOne(test, sut);

        checks.ShouldBe(2);
        waiter.IsFaulted.ShouldBeTrue();
        failure.LockHeld.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitForAsync_TokenCancelledDuringALaterWait_ThrowsWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        using var cancellation = new CancellationTokenSource();
        int checks = 0;
        var failure = new WaitFailure();
        Task waiter = StartWaiter(test, sut, async () => await sut.WaitForAsync(() => ++checks > 10, cancellation.Token), failure);
        test.RunUntilIdle();

        // A spurious notify: the predicate is checked again, false, and the waiter waits again with the same token.
        NotifyOne(test, sut);
        checks.ShouldBe(2);
        waiter.IsCompleted.ShouldBeFalse();

        test.OnLoop(cancellation.Cancel);

        checks.ShouldBe(2, "a cancelled wait does not check the predicate again");
        waiter.IsCanceled.ShouldBeTrue();
        failure.LockHeld.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitForAsync_PredicateTrueAtOnce_ReturnsWithoutWaiting() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        bool? result = null;

        Task task = test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            result = await sut.WaitForAsync(() => true);
            sut.Release();
        });
        test.RunUntilIdle();

        task.IsCompletedSuccessfully.ShouldBeTrue();
        result.ShouldBe(true);
    });

    [Fact]
    public void WaitForAsync_SpuriousNotifies_ReturnsOnlyWhenPredicateTrue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        int value = 0;
        int checks = 0;
        bool? result = null;
        bool lockedOnReturn = false;
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            result = await sut.WaitForAsync(() =>
            {
                checks++;
                return value >= 3;
            });
            lockedOnReturn = sut.Locked;
            sut.Release();
        });
        test.RunUntilIdle();
        checks.ShouldBe(1, "the predicate is checked before waiting");

        // Notifies with the predicate still false: the waiter re-checks and waits again each time.
        foreach (int next in new[] { 0, 1, 2 })
        {
            test.OnLoop(() =>
            {
                sut.AcquireAsync().ShouldCompleteSynchronously();
                value = next;
                sut.NotifyAll();
                sut.Release();
            });
            result.ShouldBeNull();
        }

        checks.ShouldBe(4);
        sut.Locked.ShouldBeFalse();

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            value = 3;
            sut.Notify();
            sut.Release();
        });

        result.ShouldBe(true);
        checks.ShouldBe(5);
        lockedOnReturn.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_CancelledByTokenWhileLockHeldElsewhere_ThrowsOnlyOnceItHoldsTheLockAgain() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        using var cts = new CancellationTokenSource();
        bool caught = false;
        bool lockedInCatch = false;
        Task waiter = test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            try
            {
                await sut.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                caught = true;
                lockedInCatch = sut.Locked;
            }

            sut.Release();
        });
        test.RunUntilIdle();
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());

        test.OnLoop(cts.Cancel);

        caught.ShouldBeFalse("the cancelled waiter must wait for the lock before it throws");
        waiter.IsCompleted.ShouldBeFalse();

        test.OnLoop(sut.Release);

        caught.ShouldBeTrue();
        lockedInCatch.ShouldBeTrue();
        waiter.IsCompletedSuccessfully.ShouldBeTrue("the waiter released the lock it held after the catch");
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_CancelledByTaskCancel_ThrowsWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var failure = new WaitFailure();
        Task waiter = StartWaiter(test, sut, async () => await sut.WaitAsync(), failure);
        test.RunUntilIdle();
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());

        test.OnLoop(() => waiter.Cancel());

        failure.Thrown.ShouldBeFalse("the cancelled waiter must wait for the lock before it throws");

        test.OnLoop(sut.Release);

        failure.Thrown.ShouldBeTrue();
        failure.LockHeld.ShouldBeTrue();
        waiter.IsCanceled.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_CancelledWhileLockFree_ThrowsWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        using var cts = new CancellationTokenSource();
        bool lockedInCatch = false;
        Task waiter = test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            try
            {
                await sut.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                lockedInCatch = sut.Locked;
            }

            sut.Release();
        });
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);

        lockedInCatch.ShouldBeTrue();
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Notify_AfterAWaiterWasCancelled_WakesTheNextWaiter() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        using var cts = new CancellationTokenSource();
        var events = new List<string>();
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            try
            {
                await sut.WaitAsync(cts.Token);
                events.Add("first notified");
            }
            catch (OperationCanceledException)
            {
                events.Add("first cancelled");
            }

            sut.Release();
        });
        StartNotifiedWaiter(test, sut, () => events.Add("second notified"));
        test.RunUntilIdle();
        test.OnLoop(cts.Cancel);
        events.ShouldBe(["first cancelled"]);

        NotifyOne(test, sut);

        events.ShouldBe(["first cancelled", "second notified"]);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_CancelledAgainWhileTakingTheLockBack_StillThrowsWithTheLockHeld() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var failure = new WaitFailure();
        Task waiter = StartWaiter(test, sut, async () => await sut.WaitAsync(), failure);
        test.RunUntilIdle();
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());

        test.OnLoop(() => waiter.Cancel());
        test.OnLoop(() => waiter.Cancel());
        waiter.IsCompleted.ShouldBeFalse("the waiter still needs the lock back");

        test.OnLoop(sut.Release);

        waiter.IsCanceled.ShouldBeTrue();
        failure.LockHeld.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void WaitAsync_CancelledOnlyWhileTakingTheLockBack_ThrowsOnceItHoldsTheLock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var failure = new WaitFailure();
        bool returned = false;
        Task waiter = StartWaiter(
            test,
            sut,
            async () =>
            {
                await sut.WaitAsync();
                returned = true;
            },
            failure);
        test.RunUntilIdle();

        // Notified while the notifier keeps the lock: the waiter is now waiting to take the lock back.
        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify();
        });
        test.OnLoop(() => waiter.Cancel().ShouldBeTrue());
        waiter.IsCompleted.ShouldBeFalse("the waiter still needs the lock back");

        test.OnLoop(sut.Release);

        waiter.IsCanceled.ShouldBeTrue();
        returned.ShouldBeFalse();
        failure.LockHeld.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Notify_WokenWaiterCancelledBeforeItResumes_TheNotificationIsNotLost() => Guard.Run(() =>
    {
        // asyncio 3.13 (gh-112202): a notified waiter that ends with an error notifies another, so no notify is lost.
        using var test = new TestLoop();
        var sut = new LoopCondition();
        var events = new List<string>();
        Task first = test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            try
            {
                await sut.WaitAsync();
                events.Add("first notified");
            }
            catch (OperationCanceledException)
            {
                events.Add("first cancelled");
            }

            sut.Release();
        });
        StartNotifiedWaiter(test, sut, () => events.Add("second notified"));
        test.RunUntilIdle();

        // The notifier keeps the lock for a while after Notify (as a notifier that awaits before releasing does).
        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Notify();
            first.Cancel();
        });
        test.OnLoop(sut.Release);

        events.Count.ShouldBeGreaterThan(0);
        if (events[0] == "first cancelled")
        {
            events.ShouldBe(["first cancelled", "second notified"], "the notification the cancelled waiter got must pass to the next waiter");
        }
        else
        {
            events.ShouldBe(["first notified"]);
        }

        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Notify_FromOtherThreadWhileLoopRuns_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopCondition();
        bool resumed = false;
        StartNotifiedWaiter(test, sut, () => resumed = true);
        test.RunUntilIdle();
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => sut.Notify()));

        error.ShouldBeMisuseFromOtherThread();
        test.OnLoop(sut.Release);
        resumed.ShouldBeFalse("the refused Notify must not have woken the waiter");
    });

    /// <summary>On the loop, as a notifier task: takes the free lock, notifies one waiter, releases the lock.</summary>
    private static void NotifyOne(TestLoop test, LoopCondition sut) => test.OnLoop(() =>
    {
        sut.AcquireAsync().ShouldCompleteSynchronously();
        sut.Notify();
        sut.Release();
    });

    /// <summary>
    /// Starts a task that takes the lock and waits for a notification; once it holds the lock again it runs
    /// <paramref name="onNotified"/>, if any, and releases the lock.
    /// </summary>
    private static Task StartNotifiedWaiter(TestLoop test, LoopCondition sut, Action? onNotified = null) =>
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            await sut.WaitAsync();
            onNotified?.Invoke();
            sut.Release();
        });

    /// <summary>
    /// Starts a task that takes the lock and awaits <paramref name="wait"/>; if the wait throws, the task notes in
    /// <paramref name="failure"/> whether it held the lock then, releases it and rethrows, so it ends as the wait did.
    /// </summary>
    private static Task StartWaiter(TestLoop test, LoopCondition sut, Func<Task> wait, WaitFailure failure) =>
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            try
            {
                await wait();
            }
            catch (Exception)
            {
                failure.Thrown = true;
                failure.LockHeld = sut.Locked;
                sut.Release();
                throw;
            }
        });

    /// <summary>What a waiter of <see cref="StartWaiter"/> saw when its wait threw.</summary>
    private sealed class WaitFailure
    {
        public bool Thrown { get; set; }

        public bool LockHeld { get; set; }
    }
}
