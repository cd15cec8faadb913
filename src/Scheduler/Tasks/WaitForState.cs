using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>WaitFor</c> returns: the inner task's outcome, or, once the timeout passes, the inner task cancelled,
/// waited for, and <see cref="TimeoutException"/> (asyncio's <c>wait_for</c>).
/// </summary>
internal sealed class WaitForState<T> : LoopOperation<T>
{
    private static readonly Action<Task, object?> s_innerDone = static (_, state) => ((WaitForState<T>)state!).OnInnerDone();
    private static readonly Action<object?> s_timedOut = static state => ((WaitForState<T>)state!).OnTimeout();

    private readonly Task _inner;
    private readonly TimeSpan _timeout;
    private readonly Deadline? _deadline;
    private volatile bool _timedOut;
    private volatile bool _cancelled;

    public WaitForState(Task inner, TimeSpan timeout)
    {
        _inner = inner;
        _timeout = timeout;
        if (inner.IsCompleted)
        {
            // Even a zero timeout returns the result of a task that is already done.
            TrySetFrom(inner, ResultOf);
            return;
        }

        if (!Deadline.IsInfinite(timeout))
        {
            if (timeout <= TimeSpan.Zero)
            {
                OnTimeout();
            }
            else
            {
                _deadline = Deadline.Start(timeout, s_timedOut, this);
            }
        }

        inner.WhenDone(s_innerDone, this);
        AttachToCurrentTask();
    }

    /// <summary>The waiting task was cancelled: cancel the inner task, wait for it, then end cancelled.</summary>
    protected override void OnCancel(OperationCanceledException reason)
    {
        _cancelled = true;
        _deadline?.Disarm();
        if (!CancelInner())
        {
            TrySetCanceled(reason.CancellationToken);
        }
    }

    private void OnTimeout()
    {
        if (IsDone || _inner.IsCompleted)
        {
            return;
        }

        _timedOut = true;
        if (!CancelInner())
        {
            // A plain task cannot be cancelled from here: it runs on, and the wait ends now.
            TrySetException(NewTimeout());
        }
    }

    /// <summary>Requests the inner task's cancellation; false if the library cannot cancel it.</summary>
    private bool CancelInner() =>
        TryGet(_inner, out LoopTaskState? state) && state!.Task is not null && state.RequestCancel();

    private void OnInnerDone()
    {
        _deadline?.Disarm();
        if (_cancelled)
        {
            _ = _inner.Exception;
            TrySetCanceled();
        }
        else if (_timedOut && _inner.IsCanceled)
        {
            TrySetException(NewTimeout());
        }
        else
        {
            // The inner outcome wins when it came first, also a result returned despite the cancellation.
            TrySetFrom(_inner, ResultOf);
        }
    }

    private TimeoutException NewTimeout() => new($"The task {_inner.GetName()} did not complete within {Durations.Format(_timeout)}.");
}
