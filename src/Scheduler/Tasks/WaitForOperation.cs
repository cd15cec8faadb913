using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>WaitFor</c> returns: the inner task's outcome, or, once the timeout passes, the inner task cancelled,
/// waited for, and <see cref="TimeoutException"/> (asyncio's <c>wait_for</c>).
/// </summary>
internal sealed class WaitForOperation<T> : LoopOperation<T>
{
    private static readonly Action<Task, object?> s_innerDone = static (_, state) => ((WaitForOperation<T>)state!).OnInnerDone();
    private static readonly Action<object?> s_timedOut = static state => ((WaitForOperation<T>)state!).OnTimeout();
    private static readonly Action<object?> s_graceOver = static state => ((WaitForOperation<T>)state!).OnGraceOver();

    private readonly Task _inner;

    public override IEnumerable<Task> Awaited => [_inner];
    private readonly TimeSpan _timeout;
    private readonly Deadline? _deadline;
    private Deadline? _grace;
    private volatile bool _timedOut;
    private volatile bool _cancelled;

    public WaitForOperation(Task inner, TimeSpan timeout)
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
        else
        {
            StartGrace();
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
        else
        {
            StartGrace();
        }
    }

    /// <summary>
    /// asyncio waits for a cancelled task without limit; a .NET task in a plain await of work that never ends cannot take
    /// the cancellation, and the wait would hang silently. A task that has not taken it within the loop's grace period
    /// is reported and the wait ends; one that took it (its cleanup may await) is waited for as asyncio does.
    /// </summary>
    private void StartGrace()
    {
        TimeSpan grace = Loop?.CancellationGracePeriod ?? LoopOptions.DefaultCancellationGracePeriod;
        if (!Deadline.IsInfinite(grace) && !IsDone && !_inner.IsCompleted)
        {
            _grace = Deadline.Start(grace, s_graceOver, this);
        }
    }

    private void OnGraceOver()
    {
        if (IsDone || _inner.IsCompleted || !HasUndeliveredCancel(_inner))
        {
            // Done, or cleaning up after a cancellation it took: wait on, as asyncio does.
            return;
        }

        TimeSpan grace = Loop?.CancellationGracePeriod ?? LoopOptions.DefaultCancellationGracePeriod;
        string why = _cancelled ? "it was cancelled" : $"its timeout of {Durations.Format(_timeout)} passed";
        string ends = _cancelled ? "ends cancelled" : "throws TimeoutException";
        string message =
            $"The task {_inner.GetName()} did not take, within {Durations.Format(grace)} (LoopOptions.CancellationGracePeriod), the " +
            $"cancellation WaitFor gave it when {why}: WaitFor {ends} now and the task runs on. A task takes a cancellation " +
            "only in a loop-aware await (AsyncIO.Sleep, Gather, the primitives and queues) or through its token; a plain " +
            $"await of other work cannot be interrupted.{Environment.NewLine}{TaskDump.Chain(_inner)}";
        if (Loop is { } loop)
        {
            loop.CallExceptionHandler(new LoopExceptionContext(message) { Task = _inner });
        }

        if (_cancelled)
        {
            TrySetCanceled();
        }
        else
        {
            TrySetException(NewTimeout());
        }
    }

    /// <summary>Requests the inner task's cancellation; false if the library cannot cancel it.</summary>
    private bool CancelInner() =>
        TryGet(_inner, out LoopTaskState? state) && state!.Task is not null && state.RequestCancel();

    private void OnInnerDone()
    {
        _deadline?.Disarm();
        _grace?.Disarm();
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
