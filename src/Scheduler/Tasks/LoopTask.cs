using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A task created with <c>CreateTask</c>: a <see cref="TaskCompletionSource{TResult}"/> that the body's own task
/// completes, started in a later iteration, tracked by the loop, cancellable the asyncio way.
/// </summary>
/// <typeparam name="T">The result type; <see cref="VoidResult"/> for a body that returns a plain <c>Task</c>.</typeparam>
/// <remarks>
/// Cancellation is asyncio's: <see cref="RequestCancel"/> (any thread) marks a request and schedules its delivery;
/// delivery interrupts the loop-aware operation the task awaits, or, if it awaits none, stays pending for the next
/// one (edge-triggered: one exception per request). A request never delivered makes the task end cancelled.
/// </remarks>
internal sealed class LoopTask<T> : LoopTaskState
{
    private static readonly Action<object?> s_start = static state => ((LoopTask<T>)state!).Start();
    private static readonly Action<object?> s_deliverCancel = static state => ((LoopTask<T>)state!).DeliverCancel();
    private static readonly Action<Task, object?> s_finish = static (_, state) => ((LoopTask<T>)state!).Finish();

    private readonly LoopTaskScheduler _loop;

    // Awaiters resume through their own context (the loop's Post), never inside the body's completion.
    private readonly TaskCompletionSource<T> _promise;
    /// <summary>A <see cref="Func{TResult}"/> of <see cref="System.Threading.Tasks.Task"/>, or one that takes the task's token.</summary>
    private Delegate? _body;
    private CancellationTokenSource? _cancellation;
    private Task? _inner;
    private ICancellableWait? _wait;

    /// <summary>Set by <see cref="RequestCancel"/> from any thread; a task not started yet never runs its body.</summary>
    private volatile bool _cancelRequested;

    /// <summary>A request that no loop-aware await has taken yet: the next one throws.</summary>
    private volatile bool _cancelPending;
    private int _cancelRequests;
    private int _cancelDeliveries;
    private bool _started;

    /// <param name="loop">The loop that runs it.</param>
    /// <param name="body">A <c>Func&lt;Task&gt;</c>, or a <c>Func&lt;CancellationToken, Task&gt;</c> (results by covariance):
    /// held as it is, so a body that takes no token costs no closure and no token source.</param>
    /// <param name="name">Its name, or null for <c>Task-N</c>.</param>
    public LoopTask(LoopTaskScheduler loop, Delegate body, string? name)
        : base(name)
    {
        _loop = loop;
        _body = body;

        // The state makes the task findable from the task alone (TryGet, TaskScheduler.UnobservedTaskException), with no
        // weak-table entry: one per task was a dependent handle every GC scans, and GC pauses grew with the tasks made.
        _promise = new TaskCompletionSource<T>(this, TaskCreationOptions.RunContinuationsAsynchronously);
        CreatedAt = loop.Time();
        if (loop.Debug)
        {
            CreationStack = CallerStack.Capture();
        }
    }

    public override Task? Body => _inner;

    public override string DescribeAwait() => $"task {Name}";

    /// <summary>The task and the code it runs: its body's async method once it returned a task, the body itself before.</summary>
    public override string DescribeStep()
    {
        string? code = AsyncMethods.DescribeCode(_inner) ?? (_body is { } body ? TimerNode.Describe(body) : null);
        return code is null ? $"task {Name}" : $"task {Name} ({code})";
    }

    public override TimeSpan CreatedAt { get; }

    public override string? CreationStack { get; }

    public override LoopTaskScheduler Loop => _loop;

    public override Task Task => _promise.Task;

    public override int Cancelling => Volatile.Read(ref _cancelRequests);

    public override bool IsCancelPending => _cancelPending;

    public override int CancelDeliveries => _cancelDeliveries;

    /// <summary>Queues the first step; called once by the loop when the task is created.</summary>
    public void Schedule() => _loop.CallSoon(s_start, this);

    public override bool RequestCancel()
    {
        if (_promise.Task.IsCompleted)
        {
            return false;
        }

        Interlocked.Increment(ref _cancelRequests);
        _cancelRequested = true;
        _cancelPending = true;
        if (Volatile.Read(ref _started))
        {
            // Delivered by the loop in a later iteration, never inline in the caller.
            try
            {
                _loop.CallSoonThreadSafe(s_deliverCancel, this);
            }
            catch (InvalidOperationException)
            {
                // The loop is closed: nothing will ever run the task again, so there is nothing to deliver.
            }
        }

        return true;
    }

    public override int Uncancel()
    {
        // A withdrawn request that was already delivered no longer counts as a cancellation the task's code saw.
        if (!_cancelPending && _cancelDeliveries > 0)
        {
            _cancelDeliveries--;
        }

        int left = Interlocked.Decrement(ref _cancelRequests);
        if (left <= 0)
        {
            Interlocked.Exchange(ref _cancelRequests, 0);
            _cancelPending = false;
            return 0;
        }

        return left;
    }

    public override OperationCanceledException? TakePendingCancel()
    {
        if (!_cancelPending)
        {
            return null;
        }

        _cancelPending = false;
        _cancelDeliveries++;
        return NewCancelledException();
    }

    public override void BeginWait(ICancellableWait wait)
    {
        if (TakePendingCancel() is { } cancelled)
        {
            wait.CancelWait(cancelled);
            return;
        }

        // A loop wait stays recorded after it ends (it says itself whether it still holds the task): the same waiter
        // waited on again by the same task, a primitive's usual case, stores nothing (no GC write barrier).
        if (!ReferenceEquals(_wait, wait))
        {
            Volatile.Write(ref _wait, wait);
        }
    }

    public override ICancellableWait? HeldWait => Volatile.Read(ref _wait) is { } wait && wait.IsWaitOf(this) ? wait : null;

    public override void EndWait(ICancellableWait wait) => Interlocked.CompareExchange(ref _wait, null, wait);

    public override bool InterruptWait(OperationCanceledException exception)
    {
        ICancellableWait? wait = Interlocked.Exchange(ref _wait, null);
        if (wait is null || !wait.IsWaitOf(this))
        {
            return false;
        }

        wait.CancelWait(exception);
        return true;
    }

    private OperationCanceledException NewCancelledException() =>
        new($"The task {Name} was cancelled.", _cancellation?.Token ?? CancellationToken.None);

    private CancellationToken Token => (_cancellation ??= new CancellationTokenSource()).Token;

    /// <remarks>Made on first use, on the loop thread, as for a body that takes a token.</remarks>
    public override CancellationToken CancellationToken => Token;

    private void Start()
    {
        if (_cancelRequested)
        {
            // asyncio: a task cancelled before its first step never runs its body.
            _body = null;
            Finish();
            return;
        }

        Volatile.Write(ref _started, true);
        Current = this;
        Delegate body = _body!;
        try
        {
            Task? inner = body is Func<CancellationToken, Task> takesToken ? takesToken(Token) : ((Func<Task>)body)();
            _inner = inner ?? throw new InvalidOperationException($"The delegate of {Name} returned a null task.");
        }
        catch (Exception exception)
        {
            _inner = System.Threading.Tasks.Task.FromException(exception);
        }

        // Kept while the first step runs, so that a report made meanwhile (the watchdog's) names the body.
        _body = null;

        if (_inner.IsCompleted)
        {
            Finish();
        }
        else
        {
            // On the loop's scheduler: inline when the body ends on the loop thread, queued to it otherwise. An awaiter
            // continuation would be sent to the thread pool here (a SynchronizationContext is current), where an
            // auto-advancing clock could not see it.
            _inner.WhenDone(s_finish, this, _loop);
        }
    }

    private void DeliverCancel()
    {
        // Done, or every request withdrawn (uncancel) before delivery: nothing to deliver, and the token stays unfired.
        if (_promise.Task.IsCompleted || Cancelling == 0)
        {
            return;
        }

        _cancellation ??= new CancellationTokenSource();
        try
        {
            _cancellation.Cancel();
        }
        catch (AggregateException exception)
        {
            _loop.CallExceptionHandler(new LoopExceptionContext($"A cancellation callback of {Name} threw") { Exception = exception, Task = Task });
        }

        // A loop-aware await may have taken the request already; the cleanup after it must not get a second one.
        if (_cancelPending && Volatile.Read(ref _wait) is not null)
        {
            ICancellableWait? wait = Interlocked.Exchange(ref _wait, null);
            if (wait is not null && wait.IsWaitOf(this) && TakePendingCancel() is { } cancelled)
            {
                wait.CancelWait(cancelled);
            }
        }
    }

    private void Finish()
    {
        Task? inner = _inner;
        _inner = null;
        _wait = null;
        _loop.TaskSide.Untrack(this);
        if (inner is null)
        {
            _promise.TrySetCanceled(_cancellation?.Token ?? CancellationToken.None);
        }
        else if (inner.IsFaulted)
        {
            _promise.TrySetException(inner.Exception!.InnerExceptions);
            UnobservedFailures.Watch(_loop, this);
        }
        else if (inner.IsCanceled || _cancelPending)
        {
            // A body that returned while its cancel was still undelivered ends cancelled (asyncio's test_cancel_at_end).
            _promise.TrySetCanceled(_cancellation?.Token ?? CancellationToken.None);
        }
        else
        {
            _promise.TrySetResult(inner is Task<T> typed ? typed.Result : default!);
        }
    }
}
