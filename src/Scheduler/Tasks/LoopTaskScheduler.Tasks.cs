using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>
    /// Wraps <paramref name="body"/> in a task of this loop. The body starts in a later iteration, never inline;
    /// the task is tracked (<c>AsyncIO.AllTasks</c>), named (<c>Task-N</c> by default) and cancellable (<c>task.Cancel()</c>).
    /// <para>Equivalent to asyncio's <c>loop.create_task</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread (use <c>AsyncIO.RunCoroutineThreadSafe</c>).</exception>
    public Task CreateTask(Func<Task> body, string? name = null)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return StartTask<VoidResult>(body, name);
    }

    /// <summary>Wraps <paramref name="body"/> in a task of this loop; see <see cref="CreateTask(Func{Task}, string?)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public Task<T> CreateTask<T>(Func<Task<T>> body, string? name = null)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return StartTask<T>(body, name);
    }

    /// <summary>
    /// Wraps <paramref name="body"/> in a task of this loop, handing it a token that is cancelled when the task is
    /// (and stays cancelled); see <see cref="CreateTask(Func{Task}, string?)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public Task CreateTask(Func<CancellationToken, Task> body, string? name = null)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return StartTask<VoidResult>(body, name);
    }

    /// <summary>Wraps <paramref name="body"/> in a task of this loop, with a cancellation token; see <see cref="CreateTask(Func{CancellationToken, Task}, string?)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public Task<T> CreateTask<T>(Func<CancellationToken, Task<T>> body, string? name = null)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return StartTask<T>(body, name);
    }

    /// <summary>The loop's task side: its tasks, and the pools of its sleeps and hooks.</summary>
    internal LoopTasks TaskSide => (LoopTasks)_taskSide;

    /// <summary>A sleep on this loop's timers; called on the loop thread by <c>AsyncIO.Sleep</c>.</summary>
    internal ValueTask Sleep(TimeSpan delay, CancellationToken token) =>
        token.IsCancellationRequested ? new ValueTask(Task.FromCanceled(token)) : TaskSide.Sleep(delay, token);

    /// <summary>The unfinished tasks created on this loop. Thread-safe snapshot.</summary>
    internal List<Task> PendingTasks() => TaskSide.PendingTasks();

    /// <summary>
    /// <see cref="LoopTaskState.Current"/> for a loop-aware wait made on this loop's thread; null for a task of another
    /// loop. See <see cref="LoopTasks.CurrentTaskOnLoop"/>.
    /// </summary>
    internal LoopTaskState? CurrentTaskOnLoop() => TaskSide.CurrentTaskOnLoop();

    private Task<T> StartTask<T>(Delegate body, string? name)
    {
        ThrowIfClosed();
        CheckThread(nameof(CreateTask));
        var task = new LoopTask<T>(this, body, name);
        TaskSide.Track(task);
        task.Schedule();
        return (Task<T>)task.Task;
    }
}
