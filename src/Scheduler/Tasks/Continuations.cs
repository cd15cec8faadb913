using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>How the library reacts to a task's completion.</summary>
internal static class Continuations
{
    /// <summary>
    /// Runs <paramref name="continuation"/> once <paramref name="task"/> completes: on the loop running this thread when
    /// there is one (queued in its ready queue, as asyncio schedules done callbacks), else on the completing thread.
    /// </summary>
    /// <remarks>
    /// Never on the thread pool when a loop is at hand: a hop there would be work in flight that the loop cannot see,
    /// and an auto-advancing clock would jump past it.
    /// </remarks>
    public static void WhenDone(this Task task, Action<Task, object?> continuation, object? state, TaskScheduler? scheduler = null) =>
        _ = task.ContinueWith(
            continuation,
            state,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            scheduler ?? (TaskScheduler?)LoopTaskScheduler.Running ?? TaskScheduler.Default);
}
