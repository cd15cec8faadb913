using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Scheduler;

/// <summary>
/// The awaitable behind <c>AsyncIO.Sleep</c> on a loop: a loop timer and a pooled <see cref="IValueTaskSource"/>,
/// so a sleep allocates nothing in steady state.
/// </summary>
/// <remarks>
/// Everything happens on the loop thread: the timer fires there, and the continuation (the awaiting method) runs
/// inline from the timer callback, as asyncio runs a task's step as a callback. A token cancelled on another thread
/// is marshalled to the loop first.
/// </remarks>
internal sealed class SleepPromise : IValueTaskSource, ICancellableWait
{
    private static readonly Action<object?> s_timerFired = static state => ((SleepPromise)state!).Complete(null);
    private static readonly Action<object?> s_tokenCancelled = static state => ((SleepPromise)state!).OnTokenCancelled();
    private static readonly Action<object?> s_runContinuation = static state => ((SleepPromise)state!).InvokeContinuation();

    private readonly LoopTaskScheduler _loop;
    private short _version;
    private bool _completed;
    private Exception? _error;
    private LoopTimerHandle _timer;
    private LoopTaskState? _task;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private SynchronizationContext? _continuationContext;
    private ExecutionContext? _continuationExecutionContext;

    public SleepPromise(LoopTaskScheduler loop)
    {
        _loop = loop;
    }

    /// <summary>Arms the timer (and the token); returns the awaitable for this use of the promise.</summary>
    public ValueTask Begin(TimeSpan delay, LoopTaskState? task, CancellationToken token)
    {
        _completed = false;
        _error = null;
        _task = task;
        _token = token;
        _timer = _loop.CallLaterInternal(delay, s_timerFired, this);
        if (token.CanBeCanceled)
        {
            short version = _version;
            // The token may be cancelled on any thread: hop to the loop, and ignore the hop if this use is over by then.
            _registration = token.Register(static state =>
            {
                var (promise, version) = ((SleepPromise, short))state!;
                promise._loop.PostCancellation(promise, version);
            }, (this, version));
        }

        // Last: a cancellation already pending for the task ends this sleep at once.
        task?.BeginWait(this);

        return new ValueTask(this, _version);
    }

    /// <summary>Called on the loop thread after a token cancelled elsewhere; does nothing if that sleep already ended.</summary>
    public void CancelFromToken(short version)
    {
        if (version == _version && !_completed)
        {
            OnTokenCancelled();
        }
    }

    private void OnTokenCancelled() => Complete(new OperationCanceledException(_token));

    public void CancelWait(OperationCanceledException exception) => Complete(exception);

    private void Complete(Exception? error)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _error = error;
        if (error is not null)
        {
            _timer.Cancel();
        }

        _registration.Dispose();
        _registration = default;
        _task?.EndWait(this);

        _task = null;
        if (_continuation is not null)
        {
            InvokeContinuation();
        }
    }

    private void InvokeContinuation()
    {
        Action<object?> continuation = _continuation!;
        object? state = _continuationState;
        SynchronizationContext? context = _continuationContext;
        ExecutionContext? executionContext = _continuationExecutionContext;
        _continuation = null;
        _continuationState = null;
        _continuationContext = null;
        _continuationExecutionContext = null;
        if (context is not null)
        {
            context.Post(static s => { var (c, st) = ((Action<object?>, object?))s!; c(st); }, (continuation, state));
        }
        else if (executionContext is not null)
        {
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
        _continuation = continuation;
        _continuationState = state;
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && SynchronizationContext.Current is { } context
            && !ReferenceEquals(context, _loop.SynchronizationContext))
        {
            // The loop's own context needs no hop: the timer fires on the loop thread already.
            _continuationContext = context;
        }

        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _continuationExecutionContext = ExecutionContext.Capture();
        }

        if (_completed)
        {
            // Never inline inside OnCompleted: run it as the next callback.
            _loop.CallSoon(s_runContinuation, this);
        }
    }

    public void GetResult(short token)
    {
        CheckToken(token);
        if (!_completed)
        {
            throw new InvalidOperationException("A sleep's result was read before it completed; await the ValueTask instead of blocking on it.");
        }

        Exception? error = _error;
        _version++;
        _error = null;
        _token = default;
        _loop.ReturnSleep(this);
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void CheckToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("This ValueTask was already awaited: a ValueTask from AsyncIO.Sleep can be awaited once.");
        }
    }
}
