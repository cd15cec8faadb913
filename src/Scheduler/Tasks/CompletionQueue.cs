using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The tasks given to <c>AsCompleted</c>, handed out in completion order. Each <see cref="NextAsync"/> is loop-aware:
/// the cancellation of the task iterating ends it, and the timeout ends it and every later one with
/// <see cref="TimeoutException"/>.
/// </summary>
internal sealed class CompletionQueue<TTask>
    where TTask : Task
{
    private static readonly Action<Task, object?> s_taskDone = static (task, state) => ((CompletionQueue<TTask>)state!).OnTaskDone((TTask)task);
    private static readonly Action<object?> s_timedOut = static state => ((CompletionQueue<TTask>)state!).OnTimeout();

    private readonly object _lock = new();
    private readonly Queue<TTask> _done = new();
    private readonly TimeSpan? _timeout;
    private readonly TTask[] _tasks;
    private readonly Deadline? _deadline;
    private Next? _waiter;
    private bool _timedOut;

    public CompletionQueue(TTask[] tasks, TimeSpan? timeout)
    {
        _tasks = tasks;
        _timeout = timeout;
        if (!Deadline.IsInfinite(timeout) && tasks.Length > 0)
        {
            _deadline = Deadline.Start(timeout!.Value, s_timedOut, this);
        }

        foreach (TTask task in tasks)
        {
            task.WhenDone(s_taskDone, this);
        }
    }

    /// <summary>The next task to complete; call again only after the previous one returned.</summary>
    public Task<TTask> NextAsync()
    {
        lock (_lock)
        {
            if (_done.Count > 0)
            {
                return Task.FromResult(_done.Dequeue());
            }

            if (_timedOut)
            {
                return Task.FromException<TTask>(NewTimeout());
            }

            _waiter = new Next(this);
        }

        _waiter.Attach();
        return _waiter.Promise;
    }

    /// <summary>Stops the timeout once every task was handed out, or the caller stopped iterating.</summary>
    public void Close() => _deadline?.Disarm();

    private TimeoutException NewTimeout() => new($"The tasks did not all complete within {Durations.Format(_timeout.GetValueOrDefault())}.");

    private void OnTaskDone(TTask task)
    {
        Next? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _done.Enqueue(task);
                return;
            }
        }

        if (!waiter.Deliver(task))
        {
            // The waiter was cancelled in the meantime: keep the task for the next call.
            lock (_lock)
            {
                _done.Enqueue(task);
            }
        }
    }

    private void OnTimeout()
    {
        Next? waiter;
        lock (_lock)
        {
            _timedOut = true;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.Fail(NewTimeout());
    }

    private sealed class Next(CompletionQueue<TTask> queue) : LoopOperation<TTask>
    {
        public override IEnumerable<Task> Awaited => queue._tasks;

        public void Attach() => AttachToCurrentTask();

        public bool Deliver(TTask task) => TrySetResult(task);

        public void Fail(Exception exception) => TrySetException(exception);

        protected override void OnCancel(OperationCanceledException reason)
        {
            lock (queue._lock)
            {
                if (ReferenceEquals(queue._waiter, this))
                {
                    queue._waiter = null;
                }
            }

            TrySetCanceled(reason.CancellationToken);
        }
    }
}
