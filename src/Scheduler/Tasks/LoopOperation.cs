using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The base of the loop-aware combinators (<c>Gather</c>, <c>WaitFor</c>, <c>Shield</c>, <c>Wait</c>, …): a task the
/// caller awaits, which <c>task.Cancel()</c> cancels, and which receives the cancellation delivered to the loop task
/// that awaits it, as asyncio cancels the future a task is suspended on.
/// </summary>
/// <typeparam name="T">The result type of the returned task.</typeparam>
/// <remarks>Completion methods are thread-safe; the operation's awaiters always resume asynchronously.</remarks>
internal abstract class LoopOperation<T> : LoopTaskState, ICancellableWait, IAwaitingOperation
{
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LoopTaskScheduler? _loop = LoopTaskScheduler.Running;
    private LoopTaskState? _owner;

    protected LoopOperation()
        : base(null)
    {
        Register(_promise.Task, this);
    }

    public override Task Task => _promise.Task;

    /// <summary>The task handed to the caller.</summary>
    public Task<T> Promise => _promise.Task;

    /// <summary>The loop the operation was created on, or null off a loop.</summary>
    public override LoopTaskScheduler? Loop => _loop;

    protected bool IsDone => _promise.Task.IsCompleted;

    /// <summary>The tasks the operation waits on, for the auto-advancing clock's look at what its tasks await. Loop thread.</summary>
    public virtual IEnumerable<Task> Awaited => [];

    public override bool RequestCancel()
    {
        if (IsDone)
        {
            return false;
        }

        OnCancel(new OperationCanceledException("The operation was cancelled."));
        return true;
    }

    public void CancelWait(OperationCanceledException exception) => OnCancel(exception);

    /// <summary>Always, while recorded: the operation takes itself out of its task's record as it ends (any thread).</summary>
    public bool IsWaitOf(LoopTaskState task) => true;

    /// <summary>Cancels the operation as asyncio cancels the matching future; any thread.</summary>
    protected abstract void OnCancel(OperationCanceledException reason);

    /// <summary>
    /// Makes the loop task running this code the operation's owner: its cancellation is delivered here (at once if
    /// one is pending). Call last in the constructor, when the operation can take a cancellation.
    /// </summary>
    protected void AttachToCurrentTask()
    {
        if (_loop is null || IsDone || !_loop.IsOnLoopThread || _loop.CurrentTaskOnLoop() is not { } current)
        {
            return;
        }

        _owner = current;
        current.BeginWait(this);
    }

    protected bool TrySetResult(T result)
    {
        _owner?.EndWait(this);
        return _promise.TrySetResult(result);
    }

    protected bool TrySetException(Exception exception)
    {
        _owner?.EndWait(this);
        return _promise.TrySetException(exception);
    }

    protected bool TrySetException(IEnumerable<Exception> exceptions)
    {
        _owner?.EndWait(this);
        return _promise.TrySetException(exceptions);
    }

    protected bool TrySetCanceled(CancellationToken token = default)
    {
        _owner?.EndWait(this);
        return _promise.TrySetCanceled(token);
    }

    /// <summary>Ends the operation as <paramref name="source"/> ended: same result, exceptions or cancellation.</summary>
    protected void TrySetFrom(Task source, Func<Task, T> result)
    {
        if (source.IsFaulted)
        {
            TrySetException(source.Exception!.InnerExceptions);
        }
        else if (source.IsCanceled)
        {
            TrySetCanceled();
        }
        else
        {
            TrySetResult(result(source));
        }
    }

    /// <summary>The result of a completed <paramref name="task"/>: its value for a <see cref="Task{T}"/>, else the default.</summary>
    protected static T ResultOf(Task task) => task is Task<T> typed ? typed.Result : default!;
}
