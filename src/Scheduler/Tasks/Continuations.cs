using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>How the library reacts to a task's completion.</summary>
internal static class Continuations
{
    /// <summary>
    /// Runs <paramref name="continuation"/>(<paramref name="task"/>, <paramref name="state"/>) once the task completes: on the
    /// loop running this thread when there is one, else on the completing thread.
    /// </summary>
    /// <remarks>
    /// Never on the thread pool when a loop is at hand: a hop there would be work in flight that the loop cannot see, and
    /// an auto-advancing clock would jump past it. On the loop it is an await continuation of the loop's context: inline
    /// when the task completes on the loop thread (unless the task runs its continuations asynchronously, then posted),
    /// posted when it completes elsewhere; cheaper than a continuation task, and its hook is pooled by the loop.
    /// </remarks>
    public static void WhenDone(this Task task, Action<Task, object?> continuation, object? state, TaskScheduler? scheduler = null) =>
        task.WhenDoneOn(continuation, state, scheduler, HookLoop(scheduler));

    /// <summary>
    /// As <see cref="WhenDone"/>, for a caller that registers many
    /// tasks from one place (a gather's children): <paramref name="hookLoop"/> is <see cref="HookLoop"/>'s answer there,
    /// asked once instead of per task (two thread-static reads each).
    /// </summary>
    public static void WhenDoneOn(this Task task, Action<Task, object?> continuation, object? state, TaskScheduler? scheduler, LoopTaskScheduler? hookLoop)
    {
        if (hookLoop is not null)
        {
            task.GetAwaiter().UnsafeOnCompleted(hookLoop.TaskSide.Hook(task, continuation, state));
            return;
        }

        _ = task.ContinueWith(
            continuation,
            state,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            scheduler ?? (TaskScheduler?)LoopTaskScheduler.Running ?? TaskScheduler.Default);
    }

    /// <summary>The loop whose pooled hooks a registration made here uses: the loop running this thread, with its context current.</summary>
    public static LoopTaskScheduler? HookLoop(TaskScheduler? scheduler = null)
    {
        LoopTaskScheduler? loop = LoopTaskScheduler.Running;
        return loop is not null && (scheduler is null || ReferenceEquals(scheduler, loop))
            && ReferenceEquals(SynchronizationContext.Current, loop.SynchronizationContext)
            ? loop
            : null;
    }
}
