using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The contract of the acquire/release family (a lock and a one-permit semaphore, also through LockAsync, a
/// condition's lock), inherited per type as Channels' <c>ChannelTestBase</c>: FIFO wake-ups, scheduled never inline,
/// a cancelled waiter takes nothing, misuse from another thread throws, an uncontended acquire completes synchronously.
/// </summary>
public abstract class AcquireReleaseContractTests
{
    /// <summary>A new primitive holding one lock or permit, free.</summary>
    private protected abstract Acquirable Create();

    [Fact]
    public void AcquireAsync_Uncontended_CompletesSynchronously() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = Create();

        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());

        sut.Locked.ShouldBeTrue();
    });

    [Fact]
    public void AcquireAsync_Contended_WaitsUntilRelease() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool acquired = false;

        Task waiter = StartAcquirer(test, sut, () => acquired = true);
        test.RunUntilIdle();

        acquired.ShouldBeFalse();
        waiter.IsCompleted.ShouldBeFalse();
        sut.Locked.ShouldBeTrue();

        test.OnLoop(sut.Release);

        acquired.ShouldBeTrue();
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
        sut.Locked.ShouldBeTrue();
    });

    [Fact]
    public void Release_WithWaiters_WakesThemInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        var order = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            int id = i;
            StartAcquirer(test, sut, () =>
            {
                order.Add(id);
                sut.Release();
            });
        }

        test.RunUntilIdle();
        order.ShouldBeEmpty();

        test.OnLoop(sut.Release);

        order.ShouldBe([0, 1, 2, 3, 4]);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Release_WithWaiter_SchedulesItInsteadOfRunningInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool resumed = false;
        StartAcquirer(test, sut, () => resumed = true);
        test.RunUntilIdle();
        bool resumedInsideRelease = true;
        bool lockedAfterRelease = false;

        test.OnLoop(() =>
        {
            sut.Release();
            resumedInsideRelease = resumed;
            lockedAfterRelease = sut.Locked;
        });

        resumedInsideRelease.ShouldBeFalse("the waiter's code must not run inside Release()");
        lockedAfterRelease.ShouldBeTrue("Release() hands the lock to the waiter, it does not free it");
        resumed.ShouldBeTrue();
    });

    [Fact]
    public void AcquireAsync_CancelledByTokenWhileWaiting_TakesNothingAndNextWaiterGetsIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var cts = new CancellationTokenSource();
        var events = new List<string>();
        Task first = test.Loop.CreateTask(async () =>
        {
            try
            {
                await sut.AcquireAsync(cts.Token);
                events.Add("first acquired");
            }
            catch (OperationCanceledException)
            {
                events.Add("first cancelled");
            }
        });
        Task second = StartAcquirer(test, sut, () => events.Add("second acquired"));
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);

        events.ShouldBe(["first cancelled"]);
        first.IsCompletedSuccessfully.ShouldBeTrue();
        sut.Locked.ShouldBeTrue("the holder still holds it");

        test.OnLoop(sut.Release);

        events.ShouldBe(["first cancelled", "second acquired"]);
        second.IsCompletedSuccessfully.ShouldBeTrue();

        test.OnLoop(sut.Release);

        sut.Locked.ShouldBeFalse("no lock is lost");
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void AcquireAsync_CancelledByTaskCancelWhileWaiting_TakesNothingAndNextWaiterGetsIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        var events = new List<string>();
        Task first = StartAcquirer(test, sut, () => events.Add("first acquired"));
        Task second = StartAcquirer(test, sut, () => events.Add("second acquired"));
        test.RunUntilIdle();

        test.OnLoop(() => first.Cancel().ShouldBeTrue());

        first.IsCanceled.ShouldBeTrue();
        events.ShouldBeEmpty();
        sut.Locked.ShouldBeTrue("the holder still holds it");

        test.OnLoop(sut.Release);

        events.ShouldBe(["second acquired"]);
        second.IsCompletedSuccessfully.ShouldBeTrue();

        test.OnLoop(sut.Release);

        sut.Locked.ShouldBeFalse("no lock is lost");
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void AcquireAsync_OnlyWaiterCancelled_ReleaseFreesTheLock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var cts = new CancellationTokenSource();
        Task waiter = test.Loop.CreateTask(async () => await sut.AcquireAsync(cts.Token));
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);
        test.OnLoop(sut.Release);

        waiter.IsCanceled.ShouldBeTrue();
        sut.Locked.ShouldBeFalse("the cancelled waiter must not have been handed the lock");
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void AcquireAsync_TokenAlreadyCancelledWhenContended_ThrowsAndTakesNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Task waiter = test.Loop.CreateTask(async () => await sut.AcquireAsync(cts.Token));
        test.RunUntilIdle();

        waiter.IsCanceled.ShouldBeTrue();
        test.OnLoop(sut.Release);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void AcquireAsync_TokenCancelledInTheIterationOfRelease_NoLockIsLost() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var cts = new CancellationTokenSource();
        int firstOutcomes = 0;
        bool secondAcquired = false;
        test.Loop.CreateTask(async () =>
        {
            try
            {
                await sut.AcquireAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                firstOutcomes++;
                return;
            }

            // Woken before its cancellation arrived: it holds the lock and gives it back.
            firstOutcomes++;
            sut.Release();
        });
        StartAcquirer(test, sut, () =>
        {
            secondAcquired = true;
            sut.Release();
        });
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            cts.Cancel();
            sut.Release();
        });

        firstOutcomes.ShouldBe(1);
        secondAcquired.ShouldBeTrue();
        sut.Locked.ShouldBeFalse("no lock is lost");
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void AcquireAsync_TaskCancelledInTheIterationOfRelease_NoLockIsLost() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool secondAcquired = false;
        Task first = StartAcquirer(test, sut, sut.Release);
        StartAcquirer(test, sut, () =>
        {
            secondAcquired = true;
            sut.Release();
        });
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            first.Cancel();
            sut.Release();
        });

        first.IsCompleted.ShouldBeTrue();
        secondAcquired.ShouldBeTrue();
        sut.Locked.ShouldBeFalse("no lock is lost");
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void AcquireAsync_TaskWhoseBodyIsTheAcquireCancelledInTheIterationOfRelease_EndsCancelledOnlyWithoutTheLock() => Guard.Run(() =>
    {
        // asyncio's pattern: t = create_task(lock.acquire()); ... t.cancel(). A task that ends cancelled must not hold the lock.
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool secondAcquired = false;
        Task first = test.Loop.CreateTask(async () => await sut.AcquireAsync());
        StartAcquirer(test, sut, () =>
        {
            secondAcquired = true;
            sut.Release();
        });
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            first.Cancel();
            sut.Release();
        });

        first.IsCompleted.ShouldBeTrue();
        if (first.IsCompletedSuccessfully)
        {
            // It got the lock before the cancellation arrived: it holds it, and gives it back here.
            secondAcquired.ShouldBeFalse();
            test.OnLoop(sut.Release);
        }

        first.Status.ShouldBeOneOf(TaskStatus.Canceled, TaskStatus.RanToCompletion);
        secondAcquired.ShouldBeTrue($"the first task ended {first.Status}: if cancelled it must not have kept the lock");
        sut.Locked.ShouldBeFalse("no lock is lost");
    });

    [Fact]
    public void AcquireAsync_TaskCancelRequestedBeforeTheWait_ThrowsAndTakesNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool caught = false;
        Task waiter = test.Loop.CreateTask(async () =>
        {
            AsyncIO.CurrentTask()!.Cancel();
            try
            {
                await sut.AcquireAsync();
            }
            catch (OperationCanceledException)
            {
                caught = true;
                throw;
            }
        });

        test.RunUntilIdle();

        caught.ShouldBeTrue();
        waiter.IsCanceled.ShouldBeTrue();
        test.OnLoop(sut.Release);
        sut.Locked.ShouldBeFalse("the cancelled waiter left the queue");
    });

    [Fact]
    public void AcquireAsync_TokenCancelledFromOtherThread_CancelsTheWaitOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var cts = new CancellationTokenSource();
        Task waiter = test.Loop.CreateTask(async () => await sut.AcquireAsync(cts.Token));
        test.RunUntilIdle();

        test.OnLoop(() => LoopTestHelpers.FromOtherThread(cts.Cancel).ShouldBeNull());

        waiter.IsCanceled.ShouldBeTrue();
        test.OnLoop(sut.Release);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void AcquireAsync_StaleTokenOfAnEarlierWait_DoesNotCancelALaterWaiter() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        using var stale = new CancellationTokenSource();
        Task first = test.Loop.CreateTask(async () => await sut.AcquireAsync(stale.Token));
        test.RunUntilIdle();
        test.OnLoop(sut.Release);
        first.IsCompletedSuccessfully.ShouldBeTrue();

        // The next wait may reuse the pooled waiter of the first: the first wait's token must not reach it.
        Task second = test.Loop.CreateTask(async () => await sut.AcquireAsync());
        test.RunUntilIdle();
        test.OnLoop(stale.Cancel);
        second.IsCompleted.ShouldBeFalse();

        test.OnLoop(sut.Release);
        second.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Release_FromOtherThreadWhileLoopRunsWithWaiter_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        bool waiterAcquired = false;
        StartAcquirer(test, sut, () => waiterAcquired = true);
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(sut.Release));

        error.ShouldBeMisuseFromOtherThread();
        waiterAcquired.ShouldBeFalse("the refused call must not have released the lock");
        sut.Locked.ShouldBeTrue();
    });

    [Fact]
    public void AcquireAsync_FromOtherThreadWhileLoopRunsOnHeldLock_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = CreateHeld(test);
        test.Loop.CreateTask(async () => await sut.AcquireAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.AcquireAsync())));

        error.ShouldBeMisuseFromOtherThread();
    });

    [Fact]
    public void AcquireAsync_FromOtherThreadWhileLoopRunsOnFreeLock_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        // Bind the primitive to the loop the way asyncio does: by waiting on it once.
        Acquirable sut = CreateHeld(test);
        StartAcquirer(test, sut, sut.Release);
        test.RunUntilIdle();
        test.OnLoop(sut.Release);
        sut.Locked.ShouldBeFalse();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.AcquireAsync())));

        error.ShouldBeMisuseFromOtherThread();
        sut.Locked.ShouldBeFalse("the refused call must not have taken the lock");
    });

    [Fact]
    public void Release_FromOtherThreadAfterUncontendedUseOnLoop_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Acquirable sut = Create();
        Exception? error = null;

        test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            error = LoopTestHelpers.FromOtherThread(sut.Release);
        });

        error.ShouldBeMisuseFromOtherThread();
        sut.Locked.ShouldBeTrue("the refused call must not have released the lock");
    });

    /// <summary>A new primitive from <see cref="Create"/>, acquired on the loop at once as it is free: its one lock or permit is held.</summary>
    private Acquirable CreateHeld(TestLoop test)
    {
        Acquirable sut = Create();
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
        return sut;
    }

    /// <summary>Starts a task that waits to acquire <paramref name="sut"/>, then runs <paramref name="onAcquired"/> (holding it).</summary>
    private static Task StartAcquirer(TestLoop test, Acquirable sut, Action onAcquired) =>
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            onAcquired();
        });

    /// <summary>The acquire/release face of a primitive under test.</summary>
    private protected sealed class Acquirable(Func<CancellationToken, ValueTask> acquire, Action release, Func<bool> locked)
    {
        public bool Locked => locked();

        public ValueTask AcquireAsync(CancellationToken cancellationToken = default) => acquire(cancellationToken);

        public void Release() => release();
    }
}

public sealed class LoopLockContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopLock();
        return new Acquirable(sut.AcquireAsync, sut.Release, () => sut.Locked);
    }
}

/// <summary>The same contract through <see cref="LoopLock.LockAsync"/>, whose waiter is handed its releaser with the lock.</summary>
public sealed class LoopLockLockAsyncContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopLock();
        return new Acquirable(
            async cancellationToken =>
            {
                LoopLock.Releaser releaser = await sut.LockAsync(cancellationToken);
                releaser.ShouldNotBe(default, "a releaser handed over with the lock must release it");
            },
            sut.Release,
            () => sut.Locked);
    }
}

public sealed class LoopSemaphoreContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopSemaphore(1);
        return new Acquirable(sut.AcquireAsync, sut.Release, () => sut.Locked);
    }
}

/// <summary>The same contract through <see cref="LoopSemaphore.LockAsync"/>, whose waiter carries its releaser and is handed it.</summary>
public sealed class LoopSemaphoreLockAsyncContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopSemaphore(1);
        return new Acquirable(
            async cancellationToken =>
            {
                IDisposable releaser = await sut.LockAsync(cancellationToken);
                releaser.ShouldNotBeNull("a releaser handed over with the permit must return it");
            },
            sut.Release,
            () => sut.Locked);
    }
}

public sealed class LoopBoundedSemaphoreContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopBoundedSemaphore(1);
        return new Acquirable(sut.AcquireAsync, sut.Release, () => sut.Locked);
    }
}

public sealed class LoopConditionLockContractTests : AcquireReleaseContractTests
{
    private protected override Acquirable Create()
    {
        var sut = new LoopCondition();
        return new Acquirable(sut.AcquireAsync, sut.Release, () => sut.Locked);
    }
}
