using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class TimeAndAutoAdvanceTests
{
    private static readonly TimeSpan s_oneHour = TimeSpan.FromHours(1);

    [Fact]
    public void Time_SystemClock_NeverGoesBack() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler();
        TimeSpan previous = loop.Time();
        for (int i = 0; i < 10_000; i++)
        {
            TimeSpan now = loop.Time();
            now.ShouldBeGreaterThanOrEqualTo(previous);
            previous = now;
        }
    });

    [Fact]
    public void Time_FakeClock_MovesExactlyWithTheProvider() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        TimeSpan start = test.Loop.Time();

        test.Clock.Advance(TimeSpan.FromSeconds(5));
        test.Loop.Time().ShouldBe(start + TimeSpan.FromSeconds(5));

        test.Clock.Advance(TimeSpan.FromTicks(1));
        test.Loop.Time().ShouldBe(start + TimeSpan.FromSeconds(5) + TimeSpan.FromTicks(1));
    });

    [Fact]
    public void Time_FakeClock_DoesNotMoveByItself() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        TimeSpan start = test.Loop.Time();
        for (int i = 0; i < 100; i++)
        {
            test.Loop.CallSoon(() => { });
        }

        test.RunUntilIdle();

        test.Loop.Time().ShouldBe(start);
    });

    [Fact]
    public void Time_InsideACallback_IsTheLoopClock() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        TimeSpan start = test.Loop.Time();
        TimeSpan seen = default;
        test.Loop.CallLater(TimeSpan.FromMinutes(3), () => seen = test.Loop.Time());

        test.Advance(TimeSpan.FromMinutes(3));

        seen.ShouldBe(start + TimeSpan.FromMinutes(3));
    });

    [Fact]
    public void AutoAdvance_SleepOfAnHourOnSystemClock_CompletesAndTimeMovesByAtLeastAnHour() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { AutoAdvance = true, Log = new StringWriter() });

        TimeSpan elapsed = loop.RunUntilComplete(async () =>
        {
            TimeSpan start = loop.Time();
            await AsyncIO.Sleep(s_oneHour);
            return loop.Time() - start;
        });

        elapsed.ShouldBeGreaterThanOrEqualTo(s_oneHour);
    });

    [Fact]
    public void AutoAdvance_SleepOfAnHourOnFakeClock_CompletesAndTimeMovesByAtLeastAnHour() => Guard.Run(() =>
    {
        using var test = new TestLoop(autoAdvance: true);
        LoopTaskScheduler loop = test.Loop;
        TimeSpan start = loop.Time();

        TimeSpan elapsed = loop.RunUntilComplete(async () =>
        {
            await AsyncIO.Sleep(s_oneHour);
            return loop.Time() - start;
        });

        elapsed.ShouldBeGreaterThanOrEqualTo(s_oneHour);
        loop.Time().ShouldBeGreaterThanOrEqualTo(start + s_oneHour);
    });

    [Fact]
    public void AutoAdvance_SeveralSleeps_FinishInOrderOfDeadlineTiesInStartOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop(autoAdvance: true);
        LoopTaskScheduler loop = test.Loop;
        var finished = new List<string>();
        async Task SleepThenRecord(string name, double hours)
        {
            await AsyncIO.Sleep(TimeSpan.FromHours(hours));
            finished.Add(name);
        }

        loop.RunUntilComplete(() => AsyncIO.Gather(
            SleepThenRecord("3h", 3),
            SleepThenRecord("1h a", 1),
            SleepThenRecord("2h", 2),
            SleepThenRecord("1h b", 1),
            SleepThenRecord("0.5h", 0.5)));

        finished.ShouldBe(["0.5h", "1h a", "1h b", "2h", "3h"]);
    });

    [Fact]
    public void AutoAdvance_TimersAndSleeps_RunInWhenOrderAtTheirDeadline() => Guard.Run(() =>
    {
        using var test = new TestLoop(autoAdvance: true);
        LoopTaskScheduler loop = test.Loop;
        TimeSpan start = loop.Time();
        var events = new List<(string Name, TimeSpan At)>();

        loop.RunUntilComplete(async () =>
        {
            loop.CallLater(TimeSpan.FromMinutes(90), () => events.Add(("timer 90m", loop.Time() - start)));
            loop.CallLater(TimeSpan.FromMinutes(30), () => events.Add(("timer 30m", loop.Time() - start)));
            await AsyncIO.Sleep(s_oneHour);
            events.Add(("sleep 60m", loop.Time() - start));
            await AsyncIO.Sleep(s_oneHour);
            events.Add(("sleep 120m", loop.Time() - start));
        });

        events.ShouldBe([
            ("timer 30m", TimeSpan.FromMinutes(30)),
            ("sleep 60m", TimeSpan.FromMinutes(60)),
            ("timer 90m", TimeSpan.FromMinutes(90)),
            ("sleep 120m", TimeSpan.FromMinutes(120)),
        ]);
    });

    [Fact]
    public void AutoAdvance_WhileExecutorWorkRuns_ClockHoldsStill() => Guard.Run(() =>
    {
        // The blocking function is released only once the loop has gone to sleep with a 1 h timer pending: a loop
        // that auto-advanced instead would fire the timer while the work still runs.
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, AutoAdvance = true, Log = new StringWriter() });
        using var release = new ManualResetEventSlim();
        using var asleepOrFired = new ManualResetEventSlim();
        clock.OnArmed = _ => asleepOrFired.Set();
        bool released = false;
        bool timerFiredWhileBlocked = false;
        TimeSpan start = loop.Time();
        Thread releaser = OtherThread.Start(() =>
        {
            asleepOrFired.Wait();
            Volatile.Write(ref released, true);
            release.Set();
        });

        (TimeSpan WorkDone, TimeSpan TimerFired) at = loop.RunUntilComplete(async () =>
        {
            var timerFired = new TaskCompletionSource<TimeSpan>();
            loop.CallLater(s_oneHour, () =>
            {
                timerFiredWhileBlocked = !Volatile.Read(ref released);
                asleepOrFired.Set();
                timerFired.SetResult(loop.Time() - start);
            });
            await loop.RunInExecutor(null, () => release.Wait());
            TimeSpan workDone = loop.Time() - start;
            return (workDone, await timerFired.Task);
        });
        releaser.Join();

        timerFiredWhileBlocked.ShouldBeFalse();
        at.WorkDone.ShouldBeLessThan(s_oneHour);
        at.TimerFired.ShouldBeGreaterThanOrEqualTo(s_oneHour);
    });

    [Fact]
    public void AutoAdvance_ExecutorWorkEndsAsTheLoopGoesToSleep_TheLoopStillAdvances() => Guard.Run(() =>
    {
        // The loop finds executor work running (not idle), and while it arms its wake-up timer, the work ends
        // without posting anything (nobody awaits it). Nothing is left running, so the loop must not sleep
        // forever: it must notice and jump to its timer.
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, AutoAdvance = true, Log = new StringWriter() });
        using var release = new ManualResetEventSlim();
        using var workReturned = new ManualResetEventSlim();
        var executor = new SignalingThreadScheduler(workReturned);
        int armed = 0;
        clock.OnArmed = _ =>
        {
            if (Interlocked.Increment(ref armed) == 1)
            {
                release.Set();
                workReturned.Wait();
            }
        };

        // A failure timeout, not an ordering delay: it only unsticks a loop that slept through the end of the work.
        using var finished = new ManualResetEventSlim();
        bool stuck = false;
        Thread backstop = OtherThread.Start(() =>
        {
            if (!finished.Wait(TimeSpan.FromSeconds(5)))
            {
                Volatile.Write(ref stuck, true);
                loop.CallSoonThreadSafe(() => { });
            }
        });

        string result = loop.RunUntilComplete(async () =>
        {
            _ = loop.RunInExecutor(executor, () => release.Wait());
            await AsyncIO.Sleep(s_oneHour);
            return "slept";
        });
        finished.Set();
        backstop.Join();

        result.ShouldBe("slept");
        Volatile.Read(ref stuck).ShouldBeFalse("the loop slept through the end of the executor work and only a later post woke it");
    });

    [Fact]
    public void AutoAdvance_Off_FakeClockLoopDoesNotAdvanceByItself() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool fired = false;
        test.Loop.CallLater(s_oneHour, () => fired = true);

        test.RunUntilIdle();

        fired.ShouldBeFalse();
        test.Advance(s_oneHour);
        fired.ShouldBeTrue();
    });
}
