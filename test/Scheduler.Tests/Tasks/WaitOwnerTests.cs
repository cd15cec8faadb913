using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Which loop task a loop-aware wait belongs to, so that <c>task.Cancel()</c> interrupts that task's wait and no
/// other: the loop remembers the answer per execution context, and must follow every change of context.
/// </summary>
public class WaitOwnerTests
{
    [Fact]
    public void Cancel_OneOfTwoTasksWaitingInTurn_InterruptsOnlyItsWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool firstCancelled = false;
        bool secondCancelled = false;
        Task first = test.Loop.CreateTask(async () => firstCancelled = await SleepIsCancelled());
        Task second = test.Loop.CreateTask(async () => secondCancelled = await SleepIsCancelled());
        test.RunUntilIdle();

        second.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        secondCancelled.ShouldBeTrue();
        firstCancelled.ShouldBeFalse();
        first.IsCompleted.ShouldBeFalse();

        first.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        firstCancelled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_TaskThatChangedAnAsyncLocal_InterruptsItsWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var local = new AsyncLocal<int>();
        bool cancelled = false;
        Task task = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.Zero);

            // A new execution context for the same task: its next wait must still be found to be the task's.
            local.Value = 1;
            cancelled = await SleepIsCancelled();
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        cancelled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_TaskThatRanATplTaskInline_DoesNotReachAWaitStartedInIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool helperCancelled = false;
        Task? helper = null;
        Task owner = test.Loop.CreateTask(async () =>
        {
            // Inlined on the loop (TryExecuteTaskInline): a TPL task's code, not the owner's own step, even though the
            // owner's context flows into it.
            var inline = new Task(() => helper = Helper());
            inline.RunSynchronously(test.Loop);
            inline.IsCompleted.ShouldBeTrue();

            // Not a loop-aware wait: a cancellation stays pending, unless it wrongly finds the helper's sleep.
            await gate.Task;
        });
        test.RunUntilIdle();

        owner.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        helperCancelled.ShouldBeFalse();
        helper!.IsCompleted.ShouldBeFalse();
        gate.SetResult(true);
        test.RunUntilIdle();
        owner.IsCanceled.ShouldBeTrue();

        async Task Helper() => helperCancelled = await SleepIsCancelled();
    });

    [Fact]
    public void Cancel_AfterTheTaskRanATplTaskInline_InterruptsItsNextWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool cancelled = false;
        Task owner = test.Loop.CreateTask(async () =>
        {
            new Task(() => { }).RunSynchronously(test.Loop);
            cancelled = await SleepIsCancelled();
        });
        test.RunUntilIdle();

        owner.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        cancelled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_TaskWaitingAgainOnTheWaiterItWasWokenFrom_InterruptsThatWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var turn = new LoopEvent();
        var seen = new System.Collections.Generic.List<string>();
        Task task = test.Loop.CreateTask(async () =>
        {
            await turn.WaitAsync();
            turn.Clear();
            seen.Add("woken");
            try
            {
                // The waiter the first wait used, given back and taken again by the same task.
                await turn.WaitAsync();
                seen.Add("woken again");
            }
            catch (OperationCanceledException)
            {
                seen.Add("cancelled");
                throw;
            }
        });
        test.RunUntilIdle();
        test.OnLoop(turn.Set);

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        seen.ShouldBe(["woken", "cancelled"]);
        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_TaskWhoseLastLoopWaitEnded_LeavesTheNextTaskOnThatWaiterWaiting() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var turn = new LoopEvent();
        var elsewhere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? first = null;
        string? second = null;
        Task firstTask = test.Loop.CreateTask(async () =>
        {
            await turn.WaitAsync();
            turn.Clear();

            // Suspended on a plain task: its last loop wait ended, and its waiter goes to the next task that waits.
            await elsewhere.Task;
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
                first = "slept";
            }
            catch (OperationCanceledException)
            {
                first = "cancelled at its next loop wait";
            }
        });
        test.RunUntilIdle();
        test.OnLoop(turn.Set);

        Task secondTask = test.Loop.CreateTask(async () =>
        {
            await turn.WaitAsync();
            second = "woken";
        });
        test.RunUntilIdle();

        firstTask.Cancel().ShouldBeTrue();
        test.RunUntilIdle();
        second.ShouldBeNull("the first task's cancellation must not end a wait that is now the second task's");
        secondTask.IsCompleted.ShouldBeFalse();

        test.OnLoop(turn.Set);
        second.ShouldBe("woken");

        elsewhere.SetResult();
        test.RunUntilIdle();
        first.ShouldBe("cancelled at its next loop wait");
    });

    private static async Task<bool> SleepIsCancelled()
    {
        try
        {
            await AsyncIO.Sleep(TimeSpan.FromHours(1));
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
