using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>One: the loop runs one thing at a time.</summary>
    public override int MaximumConcurrencyLevel => 1;

    /// <summary>
    /// Queues <paramref name="task"/> in the loop's ready queue, FIFO with callbacks and posted continuations.
    /// Callable from any thread (the TPL calls it for <c>Task.Start</c>, <c>TaskFactory</c> and <c>ContinueWith</c>).
    /// </summary>
    /// <exception cref="System.InvalidOperationException">The loop is closed; the TPL faults the task rather than strand it.</exception>
    protected override void QueueTask(Task task)
    {
        if (IsRunTask(task))
        {
            // Only a thread without the stack room to run inline gets here; queued, the run would wait for itself.
            throw new InvalidOperationException("The event loop cannot start a run this deep in the stack: run it from a shallower frame.");
        }

        var item = new WorkItem(task, null, null);
        if (IsOnLoopThread)
        {
            _ready.Enqueue(in item);
        }
        else if (!_inbox.Add(in item))
        {
            throw new InvalidOperationException(ClosedMessage);
        }
    }

    /// <summary>Runs <paramref name="task"/> inline, but only on the loop thread while it runs; elsewhere it waits its turn.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        IsOnLoopThread && (IsRunTask(task) ? TryExecuteTask(task) : ExecuteTask(task));

    /// <summary>The tasks waiting in the ready queue and the inbox, for debuggers. Best effort while the loop runs.</summary>
    protected override IEnumerable<Task> GetScheduledTasks()
    {
        var items = new List<WorkItem>();
        try
        {
            _ready.CopyTo(items);
        }
        catch (System.IndexOutOfRangeException)
        {
            // The loop thread changed the queue under us: a debugger view may be partial.
        }

        _inbox.CopyTo(items);
        var tasks = new List<Task>();
        foreach (WorkItem item in items)
        {
            if (item.Callback is Task task)
            {
                tasks.Add(task);
            }
        }

        return tasks;
    }

    /// <summary>The TPL task this loop is executing (queued or inlined), if any. Loop thread only.</summary>
    private Task? _executingTask;

    /// <summary>
    /// Whether the calling thread is the loop's and runs one of the TPL tasks queued to it (<c>TaskFactory</c>,
    /// <c>ContinueWith</c>), rather than a callback or a task's own step. Any thread.
    /// </summary>
    internal bool IsExecutingQueuedTask => _executingTask is not null && IsOnLoopThread;

    /// <summary>Runs a TPL task of this loop, noting it for <see cref="TryReadStoredContext"/>. Loop thread only.</summary>
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
}
