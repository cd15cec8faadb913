using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class TimerTests
{
    private static readonly TimeSpan s_oneTick = TimeSpan.FromTicks(1);

    [Fact]
    public void CallLater_SeveralDelays_RunInOrderOfWhen() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallLater(TimeSpan.FromSeconds(3), () => ran.Add("3s"));
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("1s"));
        test.Loop.CallLater(TimeSpan.FromSeconds(2), () => ran.Add("2s"));
        test.Loop.CallLater(TimeSpan.FromMilliseconds(500), () => ran.Add("0.5s"));

        test.Advance(TimeSpan.FromSeconds(5));

        ran.ShouldBe(["0.5s", "1s", "2s", "3s"]);
    });

    [Fact]
    public void CallLater_EqualWhen_RunInSchedulingOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<int>();
        for (int i = 0; i < 40; i++)
        {
            int n = i;
            test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add(n));
        }

        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBe(Enumerable.Range(0, 40));
    });

    [Fact]
    public void CallAt_EqualWhenMixedWithCallLater_RunInSchedulingOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        TimeSpan when = test.Loop.Time() + TimeSpan.FromSeconds(1);
        test.Loop.CallAt(when, () => ran.Add("at 1"));
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("later 2"));
        test.Loop.CallAt(when, state => ran.Add((string)state!), "at 3");
        test.Loop.CallLater(TimeSpan.FromSeconds(1), state => ran.Add((string)state!), "later 4");
        test.Loop.CallAt(when - s_oneTick, () => ran.Add("earlier"));

        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBe(["earlier", "at 1", "later 2", "at 3", "later 4"]);
    });

    [Fact]
    public void CallLater_ManyTimersSomeCancelled_RemainingRunInOrderOfWhenThenScheduling() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var expected = new List<(long When, int Id)>();
        var ran = new List<int>();
        var handles = new List<LoopTimerHandle>();
        for (int i = 0; i < 1000; i++)
        {
            int id = i;
            var delay = TimeSpan.FromMilliseconds((i * 7919) % 97);
            handles.Add(test.Loop.CallLater(delay, () => ran.Add(id)));
        }

        for (int i = 0; i < handles.Count; i++)
        {
            if (i % 3 == 0)
            {
                handles[i].Cancel();
            }
            else
            {
                expected.Add((handles[i].When.Ticks, i));
            }
        }

        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBe(expected.OrderBy(e => e.When).ThenBy(e => e.Id).Select(e => e.Id));
    });

    [Fact]
    public void CallLater_OneTickBeforeDue_DoesNotRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran = true);

        test.Advance(TimeSpan.FromSeconds(1) - s_oneTick);
        ran.ShouldBeFalse();

        test.Advance(s_oneTick);
        ran.ShouldBeTrue();
    });

    [Fact]
    public void CallAt_OneTickBeforeWhen_DoesNotRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        TimeSpan when = test.Loop.Time() + TimeSpan.FromMinutes(5);
        test.Loop.CallAt(when, () => ran = true);

        test.Advance(TimeSpan.FromMinutes(5) - s_oneTick);
        ran.ShouldBeFalse();
        test.Loop.Time().ShouldBe(when - s_oneTick);

        test.Advance(s_oneTick);
        ran.ShouldBeTrue();
    });

    [Fact]
    public void CallLater_WhenCallbackRuns_LoopTimeIsAtLeastWhen() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<(TimeSpan Now, TimeSpan When)>();
        var handles = new LoopTimerHandle[3];
        for (int i = 0; i < handles.Length; i++)
        {
            int n = i;
            handles[i] = test.Loop.CallLater(TimeSpan.FromMilliseconds(10 * (i + 1)), () => seen.Add((test.Loop.Time(), handles[n].When)));
        }

        for (int step = 0; step < 40; step++)
        {
            test.Advance(TimeSpan.FromMilliseconds(1));
        }

        seen.Count.ShouldBe(3);
        seen.ShouldAllBe(s => s.Now >= s.When);
    });

    [Fact]
    public void CallAt_WhenInThePast_RunsInNextIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        test.Loop.CallAt(test.Loop.Time() - TimeSpan.FromHours(1), () => ran = true);

        test.RunUntilIdle();

        ran.ShouldBeTrue();
    });

    [Fact]
    public void CallLater_NegativeDelay_TreatedAsZero() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        TimeSpan now = test.Loop.Time();
        LoopTimerHandle zero = test.Loop.CallLater(TimeSpan.Zero, () => ran.Add("zero"));
        LoopTimerHandle negative = test.Loop.CallLater(TimeSpan.FromSeconds(-10), () => ran.Add("negative"));

        negative.When.ShouldBe(now);
        zero.When.ShouldBe(now);
        test.RunUntilIdle();

        // Same When, so scheduling order: a negative delay does not jump the queue.
        ran.ShouldBe(["zero", "negative"]);
    });

    [Fact]
    public void CallLater_When_IsTimePlusDelayOnFakeClock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        TimeSpan before = test.Loop.Time();

        LoopTimerHandle handle = test.Loop.CallLater(TimeSpan.FromSeconds(42), () => { });

        handle.When.ShouldBeGreaterThanOrEqualTo(before + TimeSpan.FromSeconds(42));
        handle.When.ShouldBe(before + TimeSpan.FromSeconds(42));
    });

    [Fact]
    public void CallLater_When_IsAtLeastTimePlusDelayOnSystemClock() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler();
        for (int i = 0; i < 100; i++)
        {
            var delay = TimeSpan.FromMilliseconds(i);
            TimeSpan before = loop.Time();

            LoopTimerHandle handle = loop.CallLater(delay, () => { });

            handle.When.ShouldBeGreaterThanOrEqualTo(before + delay);
            handle.Cancel();
        }
    });

    [Fact]
    public void CallAt_When_IsTheRequestedTime() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        TimeSpan when = test.Loop.Time() + TimeSpan.FromDays(1);

        test.Loop.CallAt(when, () => { }).When.ShouldBe(when);
    });

    [Fact]
    public void CallLater_Cancelled_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopTimerHandle cancelled = test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("cancelled"));
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("kept"));

        cancelled.Cancel();
        cancelled.IsCancelled.ShouldBeTrue();
        test.Advance(TimeSpan.FromHours(1));

        ran.ShouldBe(["kept"]);
        cancelled.IsCancelled.ShouldBeTrue();
    });

    [Fact]
    public void CallAt_StateOverloadCancelled_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<object?>();
        LoopTimerHandle handle = test.Loop.CallAt(test.Loop.Time(), state => ran.Add(state), "x");

        handle.Cancel();
        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBeEmpty();
    });

    [Fact]
    public void CallLater_CancelledByEarlierTimerOfSameIteration_NeverRuns() => Guard.Run(() =>
    {
        // Both are due together, so both are in the ready queue when the first one cancels the second.
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopTimerHandle victim = default;
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () =>
        {
            ran.Add("canceller");
            victim.Cancel();
        });
        victim = test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("victim"));

        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBe(["canceller"]);
        victim.IsCancelled.ShouldBeTrue();
    });

    [Fact]
    public void LoopTimerHandle_AsLoopHandle_CancelsTheTimer() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        LoopHandle handle = test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran = true);

        handle.Cancel();
        test.Advance(TimeSpan.FromSeconds(2));

        ran.ShouldBeFalse();
        handle.IsCancelled.ShouldBeTrue();
    });

    [Fact]
    public void LoopTimerHandle_AfterTimerRan_CancelDoesNotTouchALaterTimer() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopTimerHandle first = test.Loop.CallLater(TimeSpan.Zero, () => ran.Add("first"));
        test.RunUntilIdle();

        test.Loop.CallLater(TimeSpan.Zero, () => ran.Add("second"));
        first.Cancel();
        test.RunUntilIdle();

        ran.ShouldBe(["first", "second"]);
        first.IsCancelled.ShouldBeFalse();
    });

    [Fact]
    public void CallLater_StateOverload_PassesState() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<object?>();
        test.Loop.CallLater(TimeSpan.FromSeconds(2), state => ran.Add(state), "two");
        test.Loop.CallLater(TimeSpan.FromSeconds(1), state => ran.Add(state), 1);
        test.Loop.CallAt(test.Loop.Time() + TimeSpan.FromSeconds(3), state => ran.Add(state), null);

        test.Advance(TimeSpan.FromSeconds(3));

        ran.ShouldBe([1, "two", null]);
    });

    [Fact]
    public void CallLater_Callback_RunsOnLoopThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int loopThread = Environment.CurrentManagedThreadId;
        int ranOn = 0;
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ranOn = Environment.CurrentManagedThreadId);

        test.Advance(TimeSpan.FromSeconds(1));

        ranOn.ShouldBe(loopThread);
    });

    [Fact]
    public void CallLater_ZeroDelayFromCallback_RunsInNextIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("a");
            loop.CallLater(TimeSpan.Zero, () => ran.Add("timer"));
            loop.Stop();
        });
        loop.CallSoon(() => ran.Add("b"));

        loop.RunForever();
        ran.ShouldBe(["a", "b"]);

        loop.Stop();
        loop.RunForever();
        ran.ShouldBe(["a", "b", "timer"]);
    });

    [Fact]
    public void CallLater_DueDuringIteration_RunsInNextIteration() => Guard.Run(() =>
    {
        // The clock moves while an iteration runs: the timer was not due when it began, so it waits for the next.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("timer"));
        loop.CallSoon(() =>
        {
            ran.Add("a");
            test.Clock.Advance(TimeSpan.FromSeconds(1));
            loop.Stop();
        });
        loop.CallSoon(() => ran.Add("b"));

        loop.RunForever();
        ran.ShouldBe(["a", "b"]);

        loop.Stop();
        loop.RunForever();
        ran.ShouldBe(["a", "b", "timer"]);
    });

    [Fact]
    public void CallLater_InRunForever_FiresWhenFakeClockIsAdvancedFromAnotherThread() => Guard.Run(() =>
    {
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, Log = new System.IO.StringWriter() });
        using var asleep = new ManualResetEventSlim();
        clock.OnArmed = _ => asleep.Set();
        var ran = new List<string>();
        loop.CallLater(TimeSpan.FromSeconds(10), () =>
        {
            ran.Add("timer");
            loop.Stop();
        });
        Thread advancer = OtherThread.Start(() =>
        {
            asleep.Wait();
            clock.Advance(TimeSpan.FromSeconds(10));
        });

        loop.RunForever();
        advancer.Join();

        ran.ShouldBe(["timer"]);
    });

    [Fact]
    public void CallLater_FiftyDaysAheadOnFakeClock_LoopSleepsUntilItWithoutThrowing() => Guard.Run(() =>
    {
        // 50 days is more than a System.Threading timer's limit (0xfffffffe ms, about 49.7 days): a loop that
        // hands the whole wait to its clock's timer must clamp it, as it does for the system clock.
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, Log = new System.IO.StringWriter() });
        using var asleep = new ManualResetEventSlim();
        clock.OnArmed = _ => asleep.Set();
        bool ran = false;
        loop.CallLater(TimeSpan.FromDays(50), () => ran = true);
        Thread stopper = OtherThread.Start(() =>
        {
            asleep.Wait();
            loop.CallSoonThreadSafe(loop.Stop);
        });

        Exception? error = Record.Exception(loop.RunForever);
        stopper.Join();

        error.ShouldBeNull();
        ran.ShouldBeFalse();
        clock.Advance(TimeSpan.FromDays(50));
        loop.Stop();
        loop.RunForever();
        ran.ShouldBeTrue();
    });
}
