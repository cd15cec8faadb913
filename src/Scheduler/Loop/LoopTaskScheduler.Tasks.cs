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

    private Task<T> StartTask<T>(Delegate body, string? name)
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

#if NET8_0_OR_GREATER
        // A finished task is not kept alive by the lookup's memory, which only the loop thread may touch.
        if (ReferenceEquals(_currentTaskFound, task) && IsOnLoopThread)
        {
            _currentTaskContext = null;
            _currentTaskFound = null;
        }
#endif
    }

    /// <summary>The TPL task this loop is executing (queued or inlined), if any. Loop thread only.</summary>
    private Task? _executingTask;

#if NET8_0_OR_GREATER
    /// <summary>The execution context, as the loop thread stores it, in which <see cref="_currentTaskFound"/> was looked up.</summary>
    private ExecutionContext? _currentTaskContext;
    private LoopTaskState? _currentTaskFound;
#endif

    /// <summary>
    /// <see cref="LoopTaskState.Current"/> for a loop-aware wait made on this loop's thread, which asks on every wait;
    /// null for a task of another loop, which the wait must not attach to either.
    /// </summary>
    /// <remarks>
    /// The general lookup reads the <c>AsyncLocal</c> (a thread-static) and asks whether a queued TPL task runs. Here the
    /// thread's context is read through the loop's own thread object, and the answer is kept for that context object:
    /// contexts are immutable, and a task's steps keep resuming in the same one. Whether a queued TPL task runs (whose code
    /// is no task's own step) is the loop's own <see cref="_executingTask"/>, so outside those nothing more is asked.
    /// </remarks>
    internal LoopTaskState? CurrentTaskOnLoop()
    {
#if NET8_0_OR_GREATER
        if (ThreadContexts.Available && _executingTask is null)
        {
            ExecutionContext? stored = ThreadContexts.RawExecutionContext(_loopThread!);
            if (stored is null)
            {
                // The default context: no AsyncLocal flows, so no task does.
                return null;
            }

            if (!ReferenceEquals(stored, _currentTaskContext))
            {
                _currentTaskFound = OfThisLoop(LoopTaskState.Flowing);
                _currentTaskContext = stored;
            }

            return _currentTaskFound;
        }
#endif
        return OfThisLoop(LoopTaskState.Current);
    }

    private LoopTaskState? OfThisLoop(LoopTaskState? task) => task is not null && ReferenceEquals(task.Loop, this) ? task : null;

    /// <summary>
    /// Whether the calling thread is the loop's and runs one of the TPL tasks queued to it (<c>TaskFactory</c>,
    /// <c>ContinueWith</c>), rather than a callback or a task's own step. Any thread.
    /// </summary>
    internal bool IsExecutingQueuedTask => _executingTask is not null && IsOnLoopThread;

    /// <summary>Runs a TPL task of this loop, noting it for <see cref="CurrentTaskOnLoop"/>. Loop thread only.</summary>
    private bool ExecuteTask(Task task)
    {
        Task? outer = _executingTask;
        _executingTask = task;
        try
        {
            return TryExecuteTask(task);
        }
        finally
        {
            _executingTask = outer;
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
