using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// asyncio's task operations as extension methods over the standard <see cref="Task"/>, split by the sections of
/// asyncio's documentation ("Coroutines and Tasks").
/// </summary>
/// <remarks>Thread-safety is stated per member; most are loop-affine, like the loop's own members.</remarks>
public static partial class LoopExtensions
{
    /// <summary>
    /// Requests cancellation of a task this library returned (<c>CreateTask</c>, <c>Gather</c>, …): the loop delivers an
    /// <see cref="OperationCanceledException"/> to the task's next loop-aware await, in a later iteration, never inline.
    /// A task cancelled before its first step never runs its body. Callable from any thread.
    /// <para>Equivalent to asyncio's <c>task.cancel()</c>.</para>
    /// </summary>
    /// <returns>False if the task is done; otherwise true, every time.</returns>
    /// <exception cref="InvalidOperationException">The task was not created by this library: cancel it through its <see cref="CancellationToken"/>.</exception>
    public static bool Cancel(this Task task)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        if (task.IsCompleted)
        {
            return false;
        }

        if (!LoopTaskState.TryGet(task, out LoopTaskState? state) || state!.Task is null)
        {
            throw new InvalidOperationException(
                "Cancel() works on the tasks this library returns (CreateTask, Gather, ...); cancel other tasks through their CancellationToken.");
        }

        return state.RequestCancel();
    }

    /// <summary>The task's name: the one given to <c>CreateTask</c> or <see cref="SetName"/>, else <c>Task-N</c>. Thread-safe.
    /// <para>Equivalent to asyncio's <c>task.get_name()</c>.</para></summary>
    public static string GetName(this Task task)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        return LoopTaskState.GetOrAdd(task).Name;
    }

    /// <summary>Names the task (any task, not only the loop's). Equivalent to asyncio's <c>task.set_name()</c>.</summary>
    public static void SetName(this Task task, string name)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        LoopTaskState.GetOrAdd(task).Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>
    /// Schedules <paramref name="callback"/>(<paramref name="task"/>) on the loop once the task is done, in its ready queue
    /// as <c>CallSoon</c> would; never inline. The loop is the task's own (for loop tasks) or the running one. An exception
    /// the callback throws goes to the loop's exception handler. Thread-safe.
    /// <para>Equivalent to asyncio's <c>task.add_done_callback</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">No loop is known for the task and none runs on this thread.</exception>
    public static void AddDoneCallback(this Task task, Action<Task> callback)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        if (callback is null)
        {
            throw new ArgumentNullException(nameof(callback));
        }

        LoopTaskScheduler loop = (LoopTaskState.TryGet(task, out LoopTaskState? state) ? state!.Loop : null) ?? LoopTaskScheduler.RunningOrThrow();

        // A continuation queued on the loop's scheduler is a callback in its ready queue, as asyncio's call_soon; not inline.
        _ = task.ContinueWith(
            static (done, state) =>
            {
                var (l, cb) = ((LoopTaskScheduler, Action<Task>))state!;
                try
                {
                    cb(done);
                }
                catch (Exception exception)
                {
                    l.CallExceptionHandler(new LoopExceptionContext($"Exception in done callback {TimerNode.Describe(cb)}") { Exception = exception, Task = done });
                }
            },
            (loop, callback),
            CancellationToken.None,
            TaskContinuationOptions.None,
            loop);
    }

    internal static List<Task> AllTasks(LoopTaskScheduler loop) => loop.PendingTasks();
}
