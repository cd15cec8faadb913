using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>Gather</c> and <c>GatherSettled</c> return: completes from its children, and cancelling it cancels them.
/// </summary>
/// <typeparam name="TChild">The children's task type.</typeparam>
/// <typeparam name="TResult">What the gather yields once every child succeeded (or, settled, once every child ended).</typeparam>
internal sealed class GatherState<TChild, TResult> : LoopTaskState
    where TChild : Task
{
    private static readonly Action<Task, object?> s_childDone = static (child, state) => ((GatherState<TChild, TResult>)state!).OnChildDone(child);

    private readonly TChild[] _children;
    private readonly Func<TChild[], TResult> _result;
    private readonly bool _settled;
    private readonly TaskCompletionSource<TResult> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;
    private volatile bool _cancelRequested;

    public GatherState(TChild[] children, Func<TChild[], TResult> result, bool settled)
        : base(null)
    {
        _children = children;
        _result = result;
        _settled = settled;
        _remaining = children.Length;
        Register(_promise.Task, this);
        if (children.Length == 0)
        {
            _promise.TrySetResult(result(children));
            return;
        }

        foreach (TChild child in children)
        {
            child.ContinueWith(s_childDone, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public override Task Task => _promise.Task;

    public Task<TResult> Promise => _promise.Task;

    /// <summary>Cancels every child the library can cancel; the gather then ends cancelled (asyncio's gather.cancel()).</summary>
    public override bool RequestCancel()
    {
        if (_promise.Task.IsCompleted)
        {
            return false;
        }

        _cancelRequested = true;
        bool any = false;
        foreach (TChild child in _children)
        {
            if (!child.IsCompleted && TryGet(child, out LoopTaskState? state) && state!.RequestCancel())
            {
                any = true;
            }
        }

        return any || !_promise.Task.IsCompleted;
    }

    private void OnChildDone(Task child)
    {
        // Read every failure, as asyncio's gather retrieves each child's exception, so none is reported as unobserved.
        AggregateException? failure = child.Exception;
        if (!_settled && !_cancelRequested)
        {
            if (failure is not null)
            {
                _promise.TrySetException(failure.InnerExceptions);
            }
            else if (child.IsCanceled)
            {
                _promise.TrySetCanceled();
            }
        }

        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            if (_cancelRequested)
            {
                _promise.TrySetCanceled();
            }
            else
            {
                try
                {
                    _promise.TrySetResult(_result(_children));
                }
                catch (Exception exception)
                {
                    _promise.TrySetException(exception);
                }
            }
        }
    }
}
