using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>Gather</c> and <c>GatherSettled</c> return: completes from its children; cancelling it cancels them.
/// </summary>
/// <typeparam name="TChild">The children's task type.</typeparam>
/// <typeparam name="TResult">What the gather yields once every child succeeded (or, settled, once every child ended).</typeparam>
internal sealed class GatherOperation<TChild, TResult> : LoopOperation<TResult>
    where TChild : Task
{
    private static readonly Action<Task, object?> s_childDone = static (child, state) => ((GatherOperation<TChild, TResult>)state!).OnChildDone(child);

    private readonly TChild[] _children;

    public override IEnumerable<Task> Awaited => _children;
    private readonly Func<TChild[], TResult> _result;
    private readonly bool _settled;
    private int _remaining;
    private volatile bool _cancelRequested;

    public GatherOperation(TChild[] children, Func<TChild[], TResult> result, bool settled)
    {
        _children = children;
        _result = result;
        _settled = settled;
        _remaining = children.Length;
        if (children.Length == 0)
        {
            TrySetResult(result(children));
            return;
        }

        List<TChild>? doneAtStart = null;
        LoopTaskScheduler? hookLoop = Continuations.HookLoop();
        foreach (TChild child in children)
        {
            if (child.IsCompleted)
            {
                (doneAtStart ??= []).Add(child);
            }
            else
            {
                child.WhenDoneOn(s_childDone, this, null, hookLoop);
            }
        }

        AttachToCurrentTask();
        if (doneAtStart is not null)
        {
            TakeDoneAtStart(doneAtStart);
        }
    }

    /// <summary>
    /// Children already complete need no hook, but asyncio still takes them one loop turn later (their done callbacks
    /// are scheduled): one callback takes them all, in argument order, ahead of any child that completes later.
    /// </summary>
    private void TakeDoneAtStart(List<TChild> done)
    {
        if (Loop is { } loop && loop.IsOnLoopThread)
        {
            loop.CallSoonInternal(static state => ((DoneAtStart)state!).Take(), new DoneAtStart(this, done));
            return;
        }

        new DoneAtStart(this, done).Take();
    }

    private sealed class DoneAtStart(GatherOperation<TChild, TResult> gather, List<TChild> done)
    {
        public void Take()
        {
            foreach (TChild child in done)
            {
                gather.OnChildDone(child);
            }
        }
    }

    public override string DescribeAwait()
    {
        string operation = _settled ? "AsyncIO.GatherSettled" : "AsyncIO.Gather";
        return $"{operation}({string.Join(", ", Array.ConvertAll(_children, static c => c.GetName()))})";
    }

    /// <summary>
    /// asyncio's <c>gather(...).cancel()</c>: requests every child's cancellation, then ends cancelled once they are
    /// done. Two kinds of children are not waited for: plain tasks the library cannot cancel, and loop tasks whose
    /// cancellation found them in an await nothing can interrupt (a .NET limit asyncio does not have); otherwise the
    /// gather, the cancellable form of <c>await task</c>, could never deliver its cancellation.
    /// </summary>
    protected override void OnCancel(OperationCanceledException reason)
    {
        if (_cancelRequested)
        {
            return;
        }

        _cancelRequested = true;
        var cancelled = new List<Task>();
        foreach (TChild child in _children)
        {
            if (!child.IsCompleted && TryGet(child, out LoopTaskState? state) && state!.RequestCancel())
            {
                cancelled.Add(child);
            }
        }

        if (cancelled.Count == 0 || Loop is not { } loop)
        {
            WaitThenCancel(cancelled);
            return;
        }

        // Queued behind the children's deliveries, so it sees which of them took their cancellation.
        loop.CallSoonInternal(static state => ((CancelCheck)state!).Run(), new CancelCheck(this, cancelled));
    }

    private void WaitThenCancel(List<Task> children)
    {
        if (children.Count == 0)
        {
            TrySetCanceled();
            return;
        }

        Task.WhenAll(children).WhenDone(static (_, state) => ((GatherOperation<TChild, TResult>)state!).TrySetCanceled(), this, Loop);
    }

    /// <summary>Waits for the cancelled children that took their cancellation, then ends the gather cancelled.</summary>
    private sealed class CancelCheck(GatherOperation<TChild, TResult> gather, List<Task> cancelled)
    {
        public void Run()
        {
            cancelled.RemoveAll(static child =>
                !child.IsCompleted && TryGet(child, out LoopTaskState? state) && state!.IsCancelPending);
            gather.WaitThenCancel(cancelled);
        }
    }

    private void OnChildDone(Task child)
    {
        // Read every failure, as asyncio's gather retrieves each child's exception, so none is reported as unobserved.
        AggregateException? failure = child.Exception;
        if (!_settled && !_cancelRequested)
        {
            if (failure is not null)
            {
                TrySetException(failure.InnerExceptions);
            }
            else if (child.IsCanceled)
            {
                TrySetCanceled();
            }
        }

        // Made on a loop, the gather hears of every child on the loop thread only; off a loop, on completing threads.
        if ((Loop is null ? Interlocked.Decrement(ref _remaining) : --_remaining) == 0)
        {
            if (_cancelRequested)
            {
                TrySetCanceled();
                return;
            }

            try
            {
                TrySetResult(_result(_children));
            }
            catch (Exception exception)
            {
                TrySetException(exception);
            }
        }
    }
}
