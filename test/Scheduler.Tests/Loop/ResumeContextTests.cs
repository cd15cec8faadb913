using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// A wake-up (a primitive's hand-over, a sleep's timer, a yield) runs in the context of the method it resumes, and the
/// loop switches contexts only when the next item needs another one. Whatever ran last, each callback, post and task
/// still starts in its own captured context, and the loop's own code (exception handler, end of run) in the run's.
/// </summary>
public class ResumeContextTests
{
    private static readonly AsyncLocal<string?> s_local = new();

    [Fact]
    public void EventWakeUp_ResumesTheTaskInItsContext_AndTheNextCallbackStillStartsInItsOwn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        var ready = new LoopEvent();
        Task? task = null;
        s_local.Value = null;
        test.Loop.CallSoon(() => task = test.Loop.CreateTask(async () =>
        {
            s_local.Value = "the task's";
            await ready.WaitAsync();
            seen.Add($"task: {s_local.Value}, current is the task: {ReferenceEquals(AsyncIO.CurrentTask(), task)}");
        }));
        test.RunUntilIdle();

        // The wake-up is queued for the next turn; the timer falls due then too and runs after it, with nothing flowing.
        test.Loop.CallSoon(() =>
        {
            ready.Set();
            test.Loop.CallLater(TimeSpan.Zero, () => seen.Add($"timer: {s_local.Value ?? "none"}"));
        });
        test.RunUntilIdle();

        seen.ShouldBe(["task: the task's, current is the task: True", "timer: none"]);
        task!.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Yield_ResumesTheTaskInItsContext_AndAPostQueuedBehindItStartsInItsOwn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        Task? task = null;
        s_local.Value = null;
        test.Loop.CallSoon(() =>
        {
            task = test.Loop.CreateTask(async () =>
            {
                s_local.Value = "the task's";
                await Task.Yield();
                seen.Add($"task: {s_local.Value}, current is the task: {ReferenceEquals(AsyncIO.CurrentTask(), task)}");
            });

            // Runs after the task's first step, which queued its resumption: the post lands right behind it.
            test.Loop.CallSoon(() => test.Loop.SynchronizationContext.Post(
                _ => seen.Add($"post: {s_local.Value ?? "none"}, task: {AsyncIO.CurrentTask()?.ToString() ?? "none"}"),
                null));
        });

        test.RunUntilIdle();

        seen.ShouldBe(["task: the task's, current is the task: True", "post: none, task: none"]);
    });

    [Fact]
    public void SleepTimer_ResumesTheTaskInItsContext_AndATimerDueWithItStartsInItsOwn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = null;
        test.Loop.CallSoon(() => test.Loop.CreateTask(async () =>
        {
            s_local.Value = "the sleeper's";
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            seen.Add($"sleeper: {s_local.Value}");
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            seen.Add($"sleeper again: {s_local.Value}");
        }));
        test.RunUntilIdle();
        s_local.Value = "the callback's";
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => seen.Add($"timer: {s_local.Value}"));
        s_local.Value = null;
        test.Loop.CallLater(TimeSpan.FromSeconds(2), () => seen.Add($"second timer: {s_local.Value ?? "none"}"));

        test.Advance(TimeSpan.FromSeconds(1));
        test.Advance(TimeSpan.FromSeconds(1));

        // Due together, timers run in the order they were armed: the second sleep was armed a second after the timer.
        seen.ShouldBe(["sleeper: the sleeper's", "timer: the callback's", "second timer: none", "sleeper again: the sleeper's"]);
    });

    [Fact]
    public void RunUntilComplete_EndingRightAfterAWakeUp_GivesTheCallerItsContextBack() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ready = new LoopEvent();
        s_local.Value = "the caller's";
        test.Loop.RunUntilComplete(async () =>
        {
            s_local.Value = "the main task's";
            test.Loop.CallSoon(ready.Set);
            await ready.WaitAsync();
        });

        s_local.Value.ShouldBe("the caller's");
        ExecutionContext.Capture().ShouldNotBeNull();
    });

    [Fact]
    public void ExceptionHandler_ForACallbackThatFailedAfterAWakeUp_RunsInTheRunsContext() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        var ready = new LoopEvent();
        test.Loop.SetExceptionHandler((_, _) => seen.Add($"handler: {s_local.Value}"));
        s_local.Value = "the run's";
        test.Loop.CallSoon(() => test.Loop.CreateTask(async () =>
        {
            s_local.Value = "the task's";
            await ready.WaitAsync();
        }));
        test.RunUntilIdle();

        s_local.Value = "the callback's";
        test.Loop.CallSoon(() =>
        {
            ready.Set();
            test.Loop.CallSoon(() => throw new InvalidOperationException("fails after the wake-up"));
        });
        s_local.Value = "the run's";
        test.RunUntilIdle();

        seen.ShouldBe(["handler: the run's"]);
    });

    [Fact]
    public void TaskQueuedWithFlowSuppressed_RightAfterAWakeUp_RunsInTheRunsContext() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        var ready = new LoopEvent();
        s_local.Value = null;
        test.Loop.CallSoon(() => test.Loop.CreateTask(async () =>
        {
            s_local.Value = "the task's";
            await ready.WaitAsync();
        }));
        test.RunUntilIdle();

        test.Loop.CallSoon(() =>
        {
            ready.Set();
            using (ExecutionContext.SuppressFlow())
            {
                Task.Factory.StartNew(() => seen.Add($"TPL task: {s_local.Value ?? "none"}"), CancellationToken.None, TaskCreationOptions.None, test.Loop);
            }
        });
        test.RunUntilIdle();

        seen.ShouldBe(["TPL task: none"]);
    });

    [Fact]
    public void OneTasksHandOffs_YieldsAndSleeps_SwitchNoExecutionContextBetweenItsSteps() => Guard.Run(() =>
    {
        // The runtime tells an AsyncLocal with a handler each time the thread moves to a context where its value
        // differs. The task's steps all run in contexts where it is 1: resumed in its own context, with switches only
        // when the next item needs another one, the thread leaves it only as the run ends.
        using var test = new TestLoop();
        int switches = 0;
        int finalSwitches = -1;
        var local = new AsyncLocal<int>(change => switches += change.ThreadContextChanged ? 1 : 0);
        var turn = new LoopEvent();
        test.Loop.CallSoon(() => test.Loop.CreateTask(async () =>
        {
            local.Value = 1;
            await Task.Yield();
            switches = 0;
            for (int i = 0; i < 100; i++)
            {
                test.Loop.CallSoon(turn.Set);
                await turn.WaitAsync();
                turn.Clear();
                await Task.Yield();
                await AsyncIO.Sleep(TimeSpan.Zero);
            }

            finalSwitches = switches;
        }));

        test.RunUntilIdle();

        finalSwitches.ShouldBe(0);
    });

    [Fact]
    public void YieldResume_OnThisRuntime_IsFound()
    {
        // Without it a yield still works, resumed from the run's context: only the switch it saves would come back.
        YieldResume.Callback.ShouldNotBeNull();
    }

    [Fact]
    public void PostsFromAThreadWithNothingFlowing_RunInTheDefaultContext_NotTheRunsOrTheLastTasks() => Guard.Run(() =>
    {
        // Such posts capture the default context, which the thread stores as null: once switched to, the loop knows it.
        using var test = new TestLoop();
        var seen = new List<string?>();
        var ready = new LoopEvent();
        s_local.Value = "the run's";
        test.Loop.CallSoon(() => test.Loop.CreateTask(async () =>
        {
            s_local.Value = "the task's";
            await ready.WaitAsync();
        }));
        test.RunUntilIdle();

        test.Loop.CallSoon(ready.Set);
        using (ExecutionContext.SuppressFlow())
        {
            // A thread started with flow suppressed has the default context: nothing flows into its posts.
            OtherThread.Run(() =>
            {
                for (int i = 0; i < 3; i++)
                {
                    test.Loop.CallSoonThreadSafe(() => seen.Add(s_local.Value ?? "none"));
                }

                return 0;
            });
        }

        test.RunUntilIdle();

        seen.ShouldBe(["none", "none", "none"]);
    });
}
