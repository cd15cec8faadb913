using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>AsyncIO.Wait</c> returns: ends when <see cref="ReturnWhen"/> is met or the timeout passes, with the done
/// and pending sets. It cancels nothing and never throws <see cref="TimeoutException"/> (asyncio's <c>wait</c>).
/// </summary>
internal sealed class WaitOperation : LoopOperation<WaitResult>
{
    private static readonly Action<Task, object?> s_taskDone = static (task, state) => ((WaitOperation)state!).OnTaskDone(task);
    private static readonly Action<object?> s_timedOut = static state => ((WaitOperation)state!).Finish();

    private readonly Task[] _tasks;

    public override IEnumerable<Task> Awaited => _tasks;
    private readonly ReturnWhen _returnWhen;
    private readonly Deadline? _deadline;
    private int _remaining;

    public WaitOperation(Task[] tasks, ReturnWhen returnWhen, TimeSpan? timeout)
    {
        _tasks = tasks;
        _returnWhen = returnWhen;
        _remaining = tasks.Length;
        if (!Deadline.IsInfinite(timeout))
        {
            _deadline = Deadline.Start(timeout!.Value, s_timedOut, this);
        }

        foreach (Task task in tasks)
        {
            task.WhenDone(s_taskDone, this);
        }

        AttachToCurrentTask();
    }

    /// <summary>The waiting task was cancelled: the wait ends, the tasks run on.</summary>
    protected override void OnCancel(OperationCanceledException reason)
    {
        _deadline?.Disarm();
        TrySetCanceled(reason.CancellationToken);
    }

    private void OnTaskDone(Task task)
    {
        bool last = Interlocked.Decrement(ref _remaining) == 0;
        if (last
            || _returnWhen == ReturnWhen.FirstCompleted
            || (_returnWhen == ReturnWhen.FirstException && task.IsFaulted))
        {
            Finish();
        }
    }

    private void Finish()
    {
        if (IsDone)
        {
            return;
        }

        _deadline?.Disarm();
        var done = new List<Task>();
        var pending = new List<Task>();
        foreach (Task task in _tasks)
        {
            (task.IsCompleted ? done : pending).Add(task);
        }

        TrySetResult(new WaitResult(done, pending));
    }
}
