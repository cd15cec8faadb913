using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopLockTests
{
    [Fact]
    public void Locked_NewLock_IsFalse()
    {
        new LoopLock().Locked.ShouldBeFalse();
    }

    [Fact]
    public void Release_WhenNotLocked_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();

        Exception? error = test.OnLoop(() => Record.Exception(sut.Release));

        error.ShouldBeOfType<InvalidOperationException>();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Release_Twice_SecondThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();

        Exception? error = test.OnLoop(() =>
        {
            sut.AcquireAsync().ShouldCompleteSynchronously();
            sut.Release();
            return Record.Exception(sut.Release);
        });

        error.ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void Locked_AfterAcquireAndRelease_Follows() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();
        var seen = new List<bool>();

        test.OnLoop(() =>
        {
            seen.Add(sut.Locked);
            sut.AcquireAsync().ShouldCompleteSynchronously();
            seen.Add(sut.Locked);
            sut.Release();
            seen.Add(sut.Locked);
        });

        seen.ShouldBe([false, true, false]);
    });

    [Fact]
    public void LockAsync_UsingBlock_HoldsInsideAndReleasesOnDispose() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();
        bool lockedInside = false;

        Task task = test.Loop.CreateTask(async () =>
        {
            using (await sut.LockAsync())
            {
                lockedInside = sut.Locked;
            }
        });
        test.RunUntilIdle();

        task.IsCompletedSuccessfully.ShouldBeTrue();
        lockedInside.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void LockAsync_Contended_EnterInTurnAndNeverOverlap() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();
        var gate = new LoopEvent();
        var events = new List<string>();
        int inside = 0;
        int maxInside = 0;
        for (int i = 0; i < 3; i++)
        {
            int id = i;
            test.Loop.CreateTask(async () =>
            {
                using (await sut.LockAsync())
                {
                    inside++;
                    maxInside = Math.Max(maxInside, inside);
                    events.Add($"enter {id}");
                    await gate.WaitAsync();
                    events.Add($"leave {id}");
                    inside--;
                }
            });
        }

        test.RunUntilIdle();
        events.ShouldBe(["enter 0"]);

        test.OnLoop(gate.Set);

        events.ShouldBe(["enter 0", "leave 0", "enter 1", "leave 1", "enter 2", "leave 2"]);
        maxInside.ShouldBe(1);
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void LockAsync_ThrowingBody_ReleasesTheLock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();

        Task task = test.Loop.CreateTask(async () =>
        {
            using (await sut.LockAsync())
            {
                throw new InvalidOperationException("boom");
            }
        });
        test.RunUntilIdle();

        task.IsFaulted.ShouldBeTrue();
        sut.Locked.ShouldBeFalse();
    });

    [Fact]
    public void Releaser_Default_DisposeDoesNothing()
    {
        LoopLock.Releaser releaser = default;

        Should.NotThrow(releaser.Dispose);
    }

    [Fact]
    public void AcquireAsyncAndRelease_Uncontended_AllocateNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLock();

        // Bind the lock to the loop (a contended wait), so the measured path is the real, checked one.
        test.OnLoop(() => sut.AcquireAsync().ShouldCompleteSynchronously());
        test.Loop.CreateTask(async () =>
        {
            await sut.AcquireAsync();
            sut.Release();
        });
        test.RunUntilIdle();
        test.OnLoop(sut.Release);

        long allocated = test.OnLoop(() => Allocations.Fewest(() =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                LoopTestHelpers.ConsumeCompleted(sut.AcquireAsync());
                sut.Release();
            }
        }));

        allocated.ShouldBe(0);
    });
}
