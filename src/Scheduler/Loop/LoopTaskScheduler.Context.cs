using System;
using System.Threading;

namespace Scheduler;

/// <summary>The execution and synchronization contexts the loop's items run in, through its <see cref="ContextSwitcher"/>.</summary>
public sealed partial class LoopTaskScheduler
{
    private static readonly ContextCallback s_invokeCurrent = static state => ((LoopTaskScheduler)state!).InvokeCurrent();

    /// <summary>The queued delegate being run in a context of its own, handed to <see cref="ExecutionContext.Run"/> without a closure.</summary>
    private object? _currentCallback;
    private object? _currentState;

    /// <summary>Called as a run starts, on the loop thread.</summary>
    private void EnterContexts() => _contexts.Enter();

    /// <summary>
    /// The loop thread's execution context as the thread stores it (null for the default context), read with no
    /// thread-static lookup; false where that cannot be read, or while a queued TPL task runs (its code is no loop task's
    /// own step, so the flowing task does not speak for it). Loop thread only.
    /// </summary>
    internal bool TryReadStoredContext(out ExecutionContext? stored)
    {
        if (_executingTask is null)
        {
            return _contexts.TryReadStored(out stored);
        }

        stored = null;
        return false;
    }

    /// <summary>
    /// The calling thread's synchronization context: on the loop thread read from its <see cref="Thread"/> object, with
    /// no thread-static lookup (see <see cref="ThreadContexts"/>).
    /// </summary>
    internal SynchronizationContext? CurrentSynchronizationContext() =>
        ContextSwitcher.SwitchesLazily && OnLoopStack() ? _contexts.LoopThreadSynchronizationContext() : System.Threading.SynchronizationContext.Current;

    /// <summary>
    /// <see cref="FlowingTask.CaptureForFork()"/> on the loop thread, remembering the last answer: a burst of
    /// scheduling from one step captures the same context each time.
    /// </summary>
    private ExecutionContext? CaptureOnLoop() => _contexts.CaptureOnLoop();

    /// <summary>
    /// Puts the run's own execution context back on the loop thread before the loop's code calls out between items, and
    /// as the run ends. Loop thread only.
    /// </summary>
    private void EnterRunContext() => _contexts.EnterRun();

    /// <summary>
    /// The loop thread's execution context as stored, for a wake-up to resume in; null (the run's own) off the loop
    /// thread, or where the thread's fields cannot be read.
    /// </summary>
    internal ExecutionContext? StoredContextOnLoop() =>
        ContextSwitcher.SwitchesLazily && OnLoopStack() ? _contexts.StoredOnLoop() : null;

    /// <summary>
    /// Runs a queued delegate in the context captured when it was scheduled. Work that captured nothing (or the loop
    /// thread's own context) is called directly, and what it changed is undone after it.
    /// </summary>
    private void RunInContext(object callback, object? state, ExecutionContext? context)
    {
        if (ContextSwitcher.SwitchesLazily)
        {
            _contexts.EnterItem(context);
            try
            {
                Invoke(callback, state);
            }
            catch
            {
                // What reports the failure is the loop's code, not the callback's.
                _contexts.EnterItem(null);
                throw;
            }
            finally
            {
                _contexts.RestoreSynchronizationContext(SynchronizationContext);
            }

            return;
        }

        if (_contexts.RunsInLoopContext(context))
        {
            try
            {
                Invoke(callback, state);
            }
            finally
            {
                _contexts.RestoreAfterDirect(SynchronizationContext);
            }

            return;
        }

        _currentCallback = callback;
        _currentState = state;
        ExecutionContext.Run(context!, s_invokeCurrent, this);
    }

    private void InvokeCurrent()
    {
        object callback = _currentCallback!;
        object? state = _currentState;
        _currentCallback = null;
        _currentState = null;
        Invoke(callback, state);
    }

    /// <summary>Calls a queued delegate of any of the kinds the loop queues.</summary>
    private static void Invoke(object callback, object? state)
    {
        switch (callback)
        {
            case Action<object?> withState:
                withState(state);
                break;
            case SendOrPostCallback posted:
                posted(state);
                break;
            default:
                ((Action)callback)();
                break;
        }
    }
}
