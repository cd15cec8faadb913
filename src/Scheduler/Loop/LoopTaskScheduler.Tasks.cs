using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Unfinished tasks of this loop; guarded by itself, as a task may finish on another thread.</summary>
    private readonly HashSet<LoopTaskState> _tasks = [];

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

        return StartTask<VoidResult>(_ => body(), name);
    }

    /// <summary>Wraps <paramref name="body"/> in a task of this loop; see <see cref="CreateTask(Func{Task}, string?)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public Task<T> CreateTask<T>(Func<Task<T>> body, string? name = null)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return StartTask<T>(_ => body(), name);
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

    private Task<T> StartTask<T>(Func<CancellationToken, Task> body, string? name)
    {
        ThrowIfClosed();
        CheckThread(nameof(CreateTask));
        var task = new LoopTask<T>(this, body, name);
        lock (_tasks)
        {
            _tasks.Add(task);
        }

        task.Schedule();
        return (Task<T>)task.Task;
    }

    internal void Untrack(LoopTaskState task)
    {
        lock (_tasks)
        {
            _tasks.Remove(task);
        }
    }

    /// <summary>The unfinished tasks created on this loop. Thread-safe snapshot.</summary>
    internal List<Task> PendingTasks()
    {
        var pending = new List<Task>();
        lock (_tasks)
        {
            foreach (LoopTaskState state in _tasks)
            {
                if (state.Task is { IsCompleted: false } task)
                {
                    pending.Add(task);
                }
            }
        }

        return pending;
    }

    /// <summary>On close, each task still pending can never finish: say so, as asyncio does when it collects one.</summary>
    /// <summary>Failed tasks whose exception may still go unobserved; weak, so that collecting them reports them instead.</summary>
    private readonly List<WeakReference<LoopTaskState>> _failedTasks = [];

    internal void WatchFailure(LoopTaskState task)
    {
        lock (_failedTasks)
        {
            // A long-lived loop with many failures: forget the collected ones now and then.
            if (_failedTasks.Count >= 1024 && (_failedTasks.Count & 1023) == 0)
            {
                _failedTasks.RemoveAll(static reference => !reference.TryGetTarget(out _));
            }

            _failedTasks.Add(new WeakReference<LoopTaskState>(task));
        }
    }

    private void ReportTasksAtClose()
    {
        var failed = new List<LoopTaskState>();
        lock (_failedTasks)
        {
            foreach (WeakReference<LoopTaskState> reference in _failedTasks)
            {
                if (reference.TryGetTarget(out LoopTaskState? task))
                {
                    failed.Add(task);
                }
            }

            _failedTasks.Clear();
        }

        UnobservedFailures.ReportAtClose(this, failed);

        foreach (Task task in PendingTasks())
        {
            CallExceptionHandler(new LoopExceptionContext("Task was destroyed but it is pending!") { Task = task });
        }

        lock (_tasks)
        {
            _tasks.Clear();
        }
    }
}
