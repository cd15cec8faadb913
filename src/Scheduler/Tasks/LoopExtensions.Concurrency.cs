using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace Scheduler;

public static partial class LoopExtensions
{
    /// <summary>
    /// A task with every result in argument order once all tasks succeed. The first failure (or cancellation) ends it
    /// at once while the others keep running; cancelling it (<see cref="Cancel"/>) cancels the children. Thread-safe;
    /// works off the loop too. <para>Equivalent to asyncio's <c>asyncio.gather(*aws)</c>.</para>
    /// </summary>
    public static Task<T[]> Gather<T>(this IEnumerable<Task<T>> tasks) =>
        new GatherOperation<Task<T>, T[]>(Snapshot(tasks), static children => Array.ConvertAll(children, c => c.Result), settled: false).Promise;

    /// <summary>A task that completes once all tasks succeed; see <see cref="Gather{T}(IEnumerable{Task{T}})"/>.</summary>
    public static Task Gather(this IEnumerable<Task> tasks) =>
        new GatherOperation<Task, VoidResult>(Snapshot(tasks), static _ => default, settled: false).Promise;

    /// <summary>
    /// A task that waits for every task, failed or not, and returns the very task objects it was given, completed, in
    /// argument order. Thread-safe. <para>Equivalent to asyncio's <c>gather(..., return_exceptions=True)</c>.</para>
    /// </summary>
    public static Task<Task<T>[]> GatherSettled<T>(this IEnumerable<Task<T>> tasks) =>
        new GatherOperation<Task<T>, Task<T>[]>(Snapshot(tasks), static children => children, settled: true).Promise;

    /// <summary>Waits for every task and returns them, completed, in argument order; see <see cref="GatherSettled{T}(IEnumerable{Task{T}})"/>.</summary>
    public static Task<Task[]> GatherSettled(this IEnumerable<Task> tasks) =>
        new GatherOperation<Task, Task[]>(Snapshot(tasks), static children => children, settled: true).Promise;

    private static TTask[] Snapshot<TTask>(IEnumerable<TTask> tasks)
        where TTask : Task
    {
        if (tasks is null)
        {
            throw new ArgumentNullException(nameof(tasks));
        }

        TTask[] snapshot = tasks.ToArray();
        if (Array.IndexOf(snapshot, null) >= 0)
        {
            throw new ArgumentException("Gather was given a null task.", nameof(tasks));
        }

        return snapshot;
    }
}
