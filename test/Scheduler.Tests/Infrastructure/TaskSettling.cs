using System;
using System.Threading.Tasks;
using Shouldly;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary>Waiting for loop tasks in tests that check something other than when the task completes.</summary>
internal static class TaskSettling
{
    /// <summary>A bound for a task the test has already made due; reached only when the library loses it.</summary>
    private static readonly TimeSpan s_settleTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the loop until idle, then waits (bounded) for <paramref name="task"/> and runs until idle again.
    /// The clock does not move. Needed because the library currently completes a <c>CreateTask</c> task on a pool
    /// thread after its body ends (see <c>CreateTask_BodyEndsAfterAnAwait_TaskIsDoneWhenRunUntilIdleReturns</c>),
    /// so "run until idle" alone does not yet prove such a task done; with that fixed this is a plain RunUntilIdle.
    /// </summary>
    public static void RunUntilSettled(this TestLoop test, params Task[] tasks)
    {
        test.RunUntilIdle();
        foreach (Task task in tasks)
        {
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne(s_settleTimeout).ShouldBeTrue($"the task {task.GetName()} did not complete");
        }

        test.RunUntilIdle();
    }
}
