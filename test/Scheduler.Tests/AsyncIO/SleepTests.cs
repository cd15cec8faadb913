using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>AsyncIO.Sleep</c> on a loop (a loop timer) and off it (<c>Task.Delay</c>).</summary>
public class SleepTests
{
    [Fact]
    public void Sleep_OnLoopWithVirtualTime_ResumesOnTheSameThreadWithoutPoolHop() => Guard.Run(() =>
    {
        int caller = Environment.CurrentManagedThreadId;

        (int before, int after, bool afterOnPool) = AsyncIO.Run(
            async () =>
            {
                int before = Environment.CurrentManagedThreadId;
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
                return (before, Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread);
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider() });

        before.ShouldBe(caller);
        after.ShouldBe(caller);
        afterOnPool.ShouldBeFalse();
    });

    [Fact]
    public void Sleep_OnLoopWithSystemClock_ResumesOnTheLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        (int before, int after) = AsyncIO.RunCoroutineThreadSafe(async () =>
        {
            int before = Environment.CurrentManagedThreadId;
            await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
            return (before, Environment.CurrentManagedThreadId);
        }, thread.Loop).GetAwaiter().GetResult();

        before.ShouldBe(thread.ManagedThreadId);
        after.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void Sleep_Zero_LetsACallbackScheduledBeforeItRunFirst() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CreateTask(async () =>
        {
            test.Loop.CallSoon(() => order.Add("callback"));
            await AsyncIO.Sleep(0);
            order.Add("after Sleep(0)");
        });

        test.RunUntilIdle();

        order.ShouldBe(["callback", "after Sleep(0)"]);
    });

    [Fact]
    public void Sleep_ZeroOnLoop_NeverCompletesSynchronously() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool? completedAtOnce = null;
        bool resumed = false;
        test.Loop.CreateTask(async () =>
        {
            ValueTask sleep = AsyncIO.Sleep(TimeSpan.Zero);
            completedAtOnce = sleep.IsCompleted;
            await sleep;
            resumed = true;
        });

        test.RunUntilIdle();

        completedAtOnce.ShouldBe(false);
        resumed.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_NegativeDelayOnLoop_CountsAsZero() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool resumed = false;
        test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(-5));
            await AsyncIO.Sleep(-1.0);
            resumed = true;
        });

        test.RunUntilIdle();

        resumed.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_DifferentLengths_WakeInOrderOfTheirDelays() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var woke = new List<string>();
        foreach ((string name, int seconds) in new[] { ("three", 3), ("one", 1), ("two", 2), ("one again", 1) })
        {
            test.Loop.CreateTask(async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(seconds));
                woke.Add(name);
            });
        }

        test.RunUntilIdle();
        woke.ShouldBeEmpty();

        test.Advance(TimeSpan.FromSeconds(1));
        woke.ShouldBe(["one", "one again"]);

        test.Advance(TimeSpan.FromSeconds(1));
        woke.ShouldBe(["one", "one again", "two"]);

        test.Advance(TimeSpan.FromSeconds(1));
        woke.ShouldBe(["one", "one again", "two", "three"]);
    });

    [Fact]
    public void Sleep_DifferentLengthsPassedInOneStep_StillWakeInOrderOfTheirDelays() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var woke = new List<int>();
        foreach (int ms in new[] { 300, 100, 200 })
        {
            test.Loop.CreateTask(async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(ms));
                woke.Add(ms);
            });
        }

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        woke.ShouldBe([100, 200, 300]);
    });

    [Fact]
    public void Sleep_OnFakeClock_NeverWakesBeforeItsDelay() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool woke = false;
        test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(2));
            woke = true;
        });

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        woke.ShouldBeFalse();

        test.Advance(TimeSpan.FromTicks(1));
        woke.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_SecondsOverload_SleepsThatManySeconds() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool woke = false;
        test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(1.5);
            woke = true;
        });

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromMilliseconds(1499));
        woke.ShouldBeFalse();

        test.Advance(TimeSpan.FromMilliseconds(1));
        woke.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_TokenCancelledWhileSleeping_ThrowsOperationCanceledException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        using var cts = new CancellationTokenSource();
        OperationCanceledException? caught = null;
        bool woke = false;
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1), cts.Token);
                woke = true;
            }
            catch (OperationCanceledException exception)
            {
                caught = exception;
            }
        });
        test.RunUntilIdle();
        caught.ShouldBeNull();

        cts.Cancel();
        test.RunUntilSettled(task);

        caught.ShouldNotBeNull().CancellationToken.ShouldBe(cts.Token);
        woke.ShouldBeFalse();
        task.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_TokenCancelledFromAnotherThread_EndsTheTaskCanceled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        using var cts = new CancellationTokenSource();
        int resumedOn = 0;
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1), cts.Token);
            }
            finally
            {
                resumedOn = Environment.CurrentManagedThreadId;
            }
        });
        test.RunUntilIdle();

        Task.Run(cts.Cancel).GetAwaiter().GetResult();
        test.RunUntilSettled(task);

        task.IsCanceled.ShouldBeTrue();
        resumedOn.ShouldBe(Environment.CurrentManagedThreadId);
    });

    [Fact]
    public void Sleep_TokenAlreadyCancelled_ThrowsOperationCanceledException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Exception? caught = null;
        test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1), cts.Token);
            }
            catch (Exception exception)
            {
                caught = exception;
            }
        });

        test.RunUntilIdle();

        caught.ShouldBeAssignableTo<OperationCanceledException>();
    });

    [Fact]
    public void Sleep_OffTheLoop_CompletesLikeTaskDelay() => Guard.Run(() =>
    {
        Task sleep = AsyncIO.Sleep(TimeSpan.FromMilliseconds(1)).AsTask();

        Should.NotThrow(() => sleep.GetAwaiter().GetResult());
        AsyncIO.Sleep(TimeSpan.Zero).AsTask().IsCompleted.ShouldBeTrue();
        AsyncIO.Sleep(TimeSpan.FromSeconds(-1)).AsTask().IsCompleted.ShouldBeTrue();
        Should.NotThrow(() => AsyncIO.Sleep(0.001).AsTask().GetAwaiter().GetResult());
    });

    [Fact]
    public void Sleep_OffTheLoop_TokenCancelled_ThrowsOperationCanceledException() => Guard.Run(() =>
    {
        using var cts = new CancellationTokenSource();
        Task sleep = AsyncIO.Sleep(TimeSpan.FromHours(1), cts.Token).AsTask();

        cts.Cancel();

        Should.Throw<OperationCanceledException>(() => sleep.GetAwaiter().GetResult());
        sleep.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_OffTheLoop_ResumesOnThePool() => Guard.Run(() =>
    {
        bool resumedOnPool = Task.Run(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
            return Thread.CurrentThread.IsThreadPoolThread;
        }).GetAwaiter().GetResult();

        resumedOnPool.ShouldBeTrue();
    });

    [Fact]
    public void Sleep_TaskCancelledWhileSleeping_ClockDoesNotMove() => Guard.Run(() =>
    {
        using var test = new TestLoop(autoAdvance: false);
        TimeSpan start = test.Loop.Time();
        Task task = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask());
        test.RunUntilIdle();

        task.Cancel();
        test.RunUntilSettled(task);

        task.IsCanceled.ShouldBeTrue();
        test.Loop.Time().ShouldBe(start);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void Sleep_OnLoopManyTimes_KeepsWorkingAcrossPooledPromises() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int count = 0;
        test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(10));
                count++;
            }
        });
        test.RunUntilIdle();

        for (int i = 0; i < 100; i++)
        {
            test.Advance(TimeSpan.FromMilliseconds(10));
        }

        count.ShouldBe(100);
    });

    [Fact]
    public void Sleep_AfterASleepCancelledByToken_NeverWakesAtTheCancelledDeadline() => Guard.Run(() =>
    {
        // One task, so the second sleep reuses the first one's promise; the cancelled timer's entry stays in the heap.
        using var test = new TestLoop();
        using var cts = new CancellationTokenSource();
        var events = new List<string>();
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(10), cts.Token);
                events.Add("first woke");
            }
            catch (OperationCanceledException)
            {
                events.Add("first cancelled");
            }

            await AsyncIO.Sleep(TimeSpan.FromHours(1));
            events.Add("second woke");
        });
        test.RunUntilIdle();

        cts.Cancel();
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromMilliseconds(10));

        events.ShouldBe(["first cancelled"]);
        test.Loop.TimerCount.ShouldBe(1);

        // The second sleep began at 0, when the cancellation resumed the task.
        test.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(10) - TimeSpan.FromTicks(1));
        events.ShouldBe(["first cancelled"]);

        test.Advance(TimeSpan.FromTicks(1));
        test.RunUntilSettled(task);
        events.ShouldBe(["first cancelled", "second woke"]);
        test.Loop.TimerCount.ShouldBe(0);
    });

    [Fact]
    public void Sleep_TaskCancelledOnceItsTimerIsDue_EndsCanceledAndThePromiseSleepsAgain() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var events = new List<string>();
        Task sleeper = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(10));
                events.Add("woke");
            }
            catch (OperationCanceledException)
            {
                events.Add("cancelled");
                throw;
            }
        });
        test.RunUntilIdle();

        // The cancellation is queued first; the timer, due by the next turn, is queued behind it and must not run.
        sleeper.Cancel();
        test.Clock.Advance(TimeSpan.FromMilliseconds(10));
        test.RunUntilSettled(sleeper);

        sleeper.IsCanceled.ShouldBeTrue();
        events.ShouldBe(["cancelled"]);

        Task again = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromMilliseconds(5));
            events.Add("slept again");
        });
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromMilliseconds(4));
        events.ShouldBe(["cancelled"]);

        test.Advance(TimeSpan.FromMilliseconds(1));
        test.RunUntilSettled(again);
        events.ShouldBe(["cancelled", "slept again"]);
    });
}
