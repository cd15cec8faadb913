using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Scheduler;

/// <summary>
/// A pooled, reusable awaitable of one loop: the <see cref="IValueTaskSource{TResult}"/> behind <c>AsyncIO.Sleep</c> and
/// every wait of the primitives and queues, so that waiting allocates nothing in steady state.
/// </summary>
/// <remarks>
/// Completed on the loop thread only. A token cancelled on another thread is marshalled to the loop first. The loop
/// task that awaits it is told (<see cref="LoopTaskState.BeginWait"/>), so a <c>task.Cancel()</c> ends the wait.
/// </remarks>
/// <typeparam name="T">The result type; <see cref="VoidResult"/> for a plain <see cref="ValueTask"/>.</typeparam>
internal abstract class LoopPromise<T> : ContinuationHolder, IValueTaskSource<T>, IValueTaskSource, ICancellableWait, IDescribedWait
{
    private static readonly Action<object?> s_runContinuation = static state => ((LoopPromise<T>)state!).InvokeContinuation();
    private static readonly Action<object?> s_tokenCancelled = static state =>
    {
        var (promise, version) = ((LoopPromise<T>, short))state!;
        promise.OnTokenCancelled(version);
    };

    /// <summary>
    /// The token's callback, on whichever thread cancels it: hops to the loop with the use it cancels. The version read
    /// here is the registered use's: completing a use disposes its registration, which waits for a callback in progress,
    /// so the use cannot end (and the version move on) under it. Registered with the promise alone as state, so that a
    /// wait with a token allocates nothing unless the token fires.
    /// </summary>
    private static readonly Action<object?> s_tokenFired = static state =>
    {
        var promise = (LoopPromise<T>)state!;
        try
        {
            promise.Loop.CallSoonThreadSafe(s_tokenCancelled, (promise, promise._version));
        }
        catch (InvalidOperationException)
        {
            // The loop is closed: nothing will resume this wait any more.
        }
    };

    private short _version;
    private bool _completed;
    private T _result = default!;
    private Exception? _error;

    /// <summary>Whether <see cref="_owner"/> still has this use as its current wait (a flag: no second reference to store).</summary>
    private bool _ownerWaits;

    /// <summary>Whether a loop task awaits this use (<see cref="_owner"/> is meaningful only then).</summary>
    private bool _owned;

    /// <summary>
    /// The loop task awaiting this use, kept past completion: a cancellation still pending when it resumes is delivered
    /// there. Kept past the use too, as the continuation is: the same task waiting again stores nothing.
    /// </summary>
    private LoopTaskState? _owner;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    /// <summary>Whether this use has a continuation registered that was not yet scheduled or run.</summary>
    private bool _awaited;

    /// <summary>
    /// The registered continuation and its state (<see cref="ContinuationHolder"/>), kept past the use: a waiter reused by the same method registers the
    /// same pair, so nothing is stored (no GC write barrier) and the pair shows what the promise resumed last.
    /// </summary>
    private Action<object?>? _continuation;
    private SynchronizationContext? _continuationContext;
    private ExecutionContext? _continuationExecutionContext;

    /// <summary>The loop thread's context when the continuation was registered: the one the awaiting method resumes in.</summary>
    private ExecutionContext? _resumeContext;

    protected LoopPromise(LoopTaskScheduler loop)
    {
        Loop = loop;
    }

    /// <summary>What this wait is, for task dumps (<c>AsyncIO.Sleep until …</c>, <c>LoopLock.AcquireAsync</c>).</summary>
    public abstract string Describe();

    /// <inheritdoc cref="IDescribedWait.Operation"/>
    public abstract string Operation { get; }

    /// <summary>The loop the promise belongs to.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>What the promise resumed last (an async method's state machine box), for the stall watchdog's report.</summary>
    public object? LastResumed => _continuationState;

    /// <summary>Whether this use of the promise has completed.</summary>
    public bool IsCompleted => _completed;

    /// <summary>The awaitable for this use.</summary>
    public ValueTask<T> AsValueTask() => new(this, _version);

    /// <summary>The awaitable for this use, without a result.</summary>
    public ValueTask AsValueTaskVoid() => new(this, _version);

    /// <summary>
    /// Starts a use: watches <paramref name="token"/> and the current loop task's cancellation. Call after the promise
    /// is armed (in its list, timer set), since a cancellation already pending completes it at once.
    /// </summary>
    protected void Watch(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            // Only a token that can fire is kept (the field is default otherwise): no store on the common path.
            _token = token;
            // Any thread may cancel the token: hop to the loop, and let the version tell whether this use is over by then.
            _registration = token.Register(s_tokenFired, this);
        }

        // A wait starts on its loop's thread (the primitives and sleeps check it).
        if (Loop.CurrentTaskOnLoop() is { } task)
        {
            if (!ReferenceEquals(_owner, task))
            {
                _owner = task;
            }

            _owned = true;
            _ownerWaits = true;
            task.BeginWait(this);
        }
    }

    /// <summary>The loop thread's context when the continuation was registered (as stored; null for the run's own).</summary>
    protected ExecutionContext? ResumeContext => _resumeContext;

    /// <summary>Called when <see cref="ResumeContext"/> changed: a subclass that completes from a timer runs that timer in it.</summary>
    protected virtual void OnResumeContextChanged()
    {
    }

    /// <summary>Ends the wait early for a cancellation; the subclass undoes its arming (leaves its list, stops its timer).</summary>
    protected abstract void Disarm();

    /// <summary>Called once the result was read: the promise may be reused.</summary>
    protected abstract void Recycle();

    /// <summary>
    /// Called as the awaiting code resumes from a wait that completed normally. <paramref name="cancelled"/> is the loop
    /// task's cancellation, if one was still pending: the wait then throws it, and a subclass gives back what the wake-up
    /// handed over (the lock, the item) so that a cancelled waiter takes nothing. Returns the exception to throw, or null.
    /// </summary>
    protected virtual Exception? OnResume(T result, OperationCanceledException? cancelled) => cancelled;

    public bool IsWaitOf(LoopTaskState task) => _ownerWaits && ReferenceEquals(_owner, task);

    public void CancelWait(OperationCanceledException exception)
    {
        if (!_completed)
        {
            Disarm();
            Complete(default!, exception, inline: false);
        }
    }

    private void OnTokenCancelled(short version)
    {
        if (version == _version && !_completed)
        {
            CancelWait(new OperationCanceledException(_token));
        }
    }

    /// <summary>
    /// Completes this use. <paramref name="inline"/> runs the awaiting code now (from a timer callback, which is already
    /// a turn of the loop); otherwise it is scheduled, as asyncio's wake-ups are, never run inside the waker.
    /// </summary>
    protected void Complete(T result, Exception? error, bool inline)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _result = result;
        if (error is not null)
        {
            // Null already (GetResult clears it): a wake-up stores nothing here.
            _error = error;
        }

        // Still the task's recorded wait, but no longer one that holds it (see IsWaitOf).
        _ownerWaits = false;

        if (_token.CanBeCanceled)
        {
            _registration.Dispose();
            _registration = default;
        }

        if (_awaited)
        {
            if (inline)
            {
                InvokeContinuation();
            }
            else
            {
                ScheduleContinuation();
            }
        }
    }

    /// <summary>
    /// Queues the continuation for the loop's next iteration, as asyncio schedules its wake-ups. An awaiting method's
    /// continuation is queued as it is, with the box it resumes: the loop calls it directly, with no hop through the promise.
    /// </summary>
    private void ScheduleContinuation()
    {
        _awaited = false;
        if (_continuationContext is null && _continuationExecutionContext is null)
        {
            Loop.CallSoonInternal(_continuation!, _continuationState!, _resumeContext);
        }
        else
        {
            Loop.CallSoonInternal(s_runContinuation, this, _resumeContext);
        }
    }

    private void InvokeContinuation()
    {
        Action<object?> continuation = _continuation!;
        object? state = _continuationState;
        SynchronizationContext? context = _continuationContext;
        ExecutionContext? executionContext = _continuationExecutionContext;
        _awaited = false;
        if (context is not null)
        {
            _continuationContext = null;
            _continuationExecutionContext = null;
            context.Post(static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, state));
        }
        else if (executionContext is not null)
        {
            _continuationExecutionContext = null;
            ExecutionContext.Run(executionContext, static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, state));
        }
        else
        {
            continuation(state);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        CheckToken(token);
        return !_completed ? ValueTaskSourceStatus.Pending
            : _error is null ? ValueTaskSourceStatus.Succeeded
            : _error is OperationCanceledException ? ValueTaskSourceStatus.Canceled
            : ValueTaskSourceStatus.Faulted;
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        CheckToken(token);
        if (!ReferenceEquals(_continuation, continuation))
        {
            _continuation = continuation;
        }

        if (!ReferenceEquals(_continuationState, state))
        {
            _continuationState = state;
        }

        _awaited = true;
        ExecutionContext? resume = Loop.StoredContextOnLoop();
        if (!ReferenceEquals(resume, _resumeContext))
        {
            // A waiter reused by the same task finds its context there already: no store, no GC write barrier.
            _resumeContext = resume;
            OnResumeContextChanged();
        }
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && Loop.CurrentSynchronizationContext() is { } context
            && !ReferenceEquals(context, Loop.SynchronizationContext))
        {
            // The loop's own context needs no hop: the promise completes on the loop thread already.
            _continuationContext = context;
        }

        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _continuationExecutionContext = ExecutionContext.Capture();
        }

        if (_completed)
        {
            // Never inline inside OnCompleted: run it as the next callback.
            ScheduleContinuation();
        }
    }

    public T GetResult(short token)
    {
        CheckToken(token);
        if (!_completed)
        {
            throw new InvalidOperationException("The result was read before the wait completed: await the ValueTask instead of blocking on it.");
        }

        T result = _result;
        Exception? error = _error;
        LoopTaskState? owner = _owned ? _owner : null;
        _version++;
        _completed = false;
        _result = default!;
        _error = null;
        _owned = false;
        _token = default;

        // asyncio throws a cancellation still pending into the task where it resumes, even from a completed wait.
        if (error is null)
        {
            error = OnResume(result, owner?.TakePendingCancel());
        }

        Recycle();
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }

        return result;
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private void CheckToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("This ValueTask was already awaited: a ValueTask of the loop can be awaited once.");
        }
    }
}
