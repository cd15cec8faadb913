using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace Scheduler;

public static partial class LoopExtensions
{
    /// <summary>
    /// A task that mirrors <paramref name="task"/>, except that cancelling it (with <see cref="Cancel"/>, or through the
    /// loop task awaiting it) ends only the shield: the inner task runs on, its result still retrievable from it.
    /// Thread-safe. <para>Equivalent to asyncio's <c>asyncio.shield</c>.</para>
    /// </summary>
    public static Task<T> Shield<T>(this Task<T> task)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        return new ShieldOperation<T>(task).Promise;
    }

    /// <summary>Shields <paramref name="task"/> from cancellation; see <see cref="Shield{T}(Task{T})"/>.</summary>
    public static Task Shield(this Task task)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        return new ShieldOperation<VoidResult>(task).Promise;
    }

    /// <summary>Shields <paramref name="task"/> from cancellation; see <see cref="Shield{T}(Task{T})"/>.</summary>
    public static Task<T> Shield<T>(this ValueTask<T> task) => task.AsTask().Shield();

    /// <summary>
    /// The tasks in the order they complete, each yielded once done (await it for its result or exception). With a
    /// timeout, the tasks not done by then make the iteration throw <see cref="TimeoutException"/>. The loop task
    /// iterating can be cancelled while it waits; the tasks themselves are never cancelled.
    /// <para>Equivalent to asyncio's <c>asyncio.as_completed</c>.</para>
    /// </summary>
    public static IAsyncEnumerable<TTask> AsCompleted<TTask>(this IEnumerable<TTask> tasks, TimeSpan? timeout = null)
        where TTask : Task
    {
        TTask[] snapshot = Snapshot(tasks);
        return AsCompletedCore(snapshot, timeout);
    }

    private static async IAsyncEnumerable<TTask> AsCompletedCore<TTask>(TTask[] tasks, TimeSpan? timeout)
        where TTask : Task
    {
        var queue = new CompletionQueue<TTask>(tasks, timeout);
        try
        {
            for (int i = 0; i < tasks.Length; i++)
            {
                yield return await queue.NextAsync();
            }
        }
        finally
        {
            queue.Close();
        }
    }

    internal static Task<WaitResult> Wait(IEnumerable<Task> tasks, ReturnWhen returnWhen, TimeSpan? timeout)
    {
        Task[] snapshot = Snapshot(tasks);
        if (snapshot.Length == 0)
        {
            throw new ArgumentException("AsyncIO.Wait needs at least one task.", nameof(tasks));
        }

        if (returnWhen is not (ReturnWhen.AllCompleted or ReturnWhen.FirstCompleted or ReturnWhen.FirstException))
        {
            throw new ArgumentOutOfRangeException(nameof(returnWhen), returnWhen, "Use AllCompleted, FirstCompleted or FirstException.");
        }

        return new WaitOperation(snapshot, returnWhen, timeout).Promise;
    }
}
