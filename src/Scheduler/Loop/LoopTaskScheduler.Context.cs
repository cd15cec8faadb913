using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>The thread running the loop, while it runs: its contexts are read through it (see <see cref="ThreadContexts"/>).</summary>
    private Thread? _loopThread;

    /// <summary>The context of the thread that runs the loop, captured as the run starts: callbacks run in it between switches.</summary>
    private ExecutionContext? _runContext;

    /// <summary><see cref="_runContext"/> as the thread stores it (null for the default context).</summary>
    private ExecutionContext? _runContextStored;

#if NET8_0_OR_GREATER
    /// <summary>
    /// The last context an item was switched to, and how the thread stores it. They differ for the default context
    /// (stored as null), which every post from a thread with nothing flowing captures: known, it is not switched to again.
    /// </summary>
    private ExecutionContext? _lastEntered;
    private ExecutionContext? _lastEnteredStored;
#endif

    /// <summary>The last context found on the loop thread when work was scheduled (as stored), and what it became without the task.</summary>
    private ExecutionContext? _captureSource;
    private ExecutionContext? _captureResult;
    private bool _captureCached;

    /// <summary>Called as a run starts, on the loop thread.</summary>
    private void EnterContexts()
    {
        _loopThread = Thread.CurrentThread;
        _runContext = ExecutionContext.Capture();
        _runContextStored = ReadStoredContext();
        _captureCached = false;
        _captureSource = null;
        _captureResult = null;
#if NET8_0_OR_GREATER
        _lastEntered = null;
        _lastEnteredStored = null;
#endif
    }

    /// <summary>
    /// The loop thread's execution context as the thread stores it (null for the default context), read with no
    /// thread-static lookup; false where that cannot be read, or while a queued TPL task runs (its code is no loop task's
    /// own step, so the flowing task does not speak for it). Loop thread only.
    /// </summary>
#pragma warning disable CA1822 // Static on netstandard2.0 only, where the thread's fields are not read.
    internal bool TryReadStoredContext(out ExecutionContext? stored)
#pragma warning restore CA1822
    {
#if NET8_0_OR_GREATER
        if (ThreadContexts.Available && _executingTask is null)
        {
            stored = ThreadContexts.RawExecutionContext(_loopThread!);
            return true;
        }
#endif
        stored = null;
        return false;
    }

    /// <summary>The loop thread's execution context, as stored on the thread when it can be read there, else as captured.</summary>
#pragma warning disable CA1822 // Static on netstandard2.0 only, where the thread's fields are not read.
    private ExecutionContext? ReadStoredContext() =>
#if NET8_0_OR_GREATER
        ThreadContexts.Available ? ThreadContexts.RawExecutionContext(_loopThread!) : ExecutionContext.Capture();
#else
        ExecutionContext.Capture();
#endif

    /// <summary>
    /// The calling thread's synchronization context: on the loop thread read from its <see cref="Thread"/> object, with
    /// no thread-static lookup (see <see cref="ThreadContexts"/>).
    /// </summary>
    internal SynchronizationContext? CurrentSynchronizationContext() =>
#if NET8_0_OR_GREATER
        ThreadContexts.Available && OnLoopStack() ? ThreadContexts.SynchronizationContext(_loopThread!) :
#endif
        System.Threading.SynchronizationContext.Current;

    /// <summary>
    /// <see cref="FlowingTask.CaptureForFork()"/> on the loop thread, remembering the last answer: a burst of
    /// scheduling from one step captures the same context each time.
    /// </summary>
    private ExecutionContext? CaptureOnLoop()
    {
        ExecutionContext? stored = ReadStoredContext();
        if (!_captureCached || !ReferenceEquals(stored, _captureSource))
        {
            ExecutionContext? result = FlowingTask.CaptureForFork(ExecutionContext.Capture());
#if NET8_0_OR_GREATER
            // The context callbacks run in anyway (the run's own): null says so, and storing null costs no GC barrier.
            if (ReferenceEquals(result, _runContext))
            {
                result = null;
            }
#endif
            _captureResult = result;
            _captureSource = stored;
            _captureCached = true;
        }

        return _captureResult;
    }

    /// <summary>
    /// Whether work captured in <paramref name="context"/> may run directly on the loop thread: it was scheduled with
    /// nothing flowing (null), or in the loop thread's own context.
    /// </summary>
    /// <remarks>
    /// Most work is scheduled from the loop thread with nothing flowing. That case is called directly and
    /// <see cref="RestoreLoopContexts"/> undoes afterwards whatever it changed (an <c>AsyncLocal</c>, the synchronization
    /// context), which is what <see cref="ExecutionContext.Run"/> would do, minus its switch.
    /// </remarks>
    private bool RunsInLoopContext(ExecutionContext? context) =>
#if NET8_0_OR_GREATER
        context is null || ReferenceEquals(context, _runContext);
#else
        // Without ExecutionContext.Restore, only work that captured nothing may skip ExecutionContext.Run.
        context is null;
#endif
#pragma warning restore CA1822

#if NET8_0_OR_GREATER
    /// <summary>
    /// Puts the loop thread in the context an item runs in: <paramref name="context"/> as stored on the thread, or the
    /// run's own for null. Only if it is elsewhere: contexts are switched lazily, when the next item needs another one.
    /// </summary>
    /// <remarks>
    /// An awaiting method's box restores its own context as it resumes and puts back the one it found as it suspends.
    /// Switched back to the run's context after every item, two tasks handing work to each other paid a switch in and
    /// a switch out per hand-off, inside the box. A wake-up is queued with the context of the code it resumes (see
    /// <c>CallSoonInternal</c>), so the box finds itself there already and switches nothing; consecutive items of one
    /// context switch nothing either. Callbacks and posts lose nothing: each still starts in the context captured with
    /// it, whatever ran before. Where the loop's own code calls out between items (exception handler, going idle, end of
    /// run), it puts back the run's context first.
    /// </remarks>
    private void EnterItemContext(ExecutionContext? context)
    {
        ExecutionContext? current = ThreadContexts.RawExecutionContext(_loopThread!);
        if (context is null)
        {
            if (!ReferenceEquals(current, _runContextStored) && _runContext is { } run)
            {
                ExecutionContext.Restore(run);
                _runContextStored = ThreadContexts.RawExecutionContext(_loopThread!);
            }
        }
        else if (ReferenceEquals(context, _lastEntered) ? !ReferenceEquals(current, _lastEnteredStored) : !ReferenceEquals(current, context))
        {
            ExecutionContext.Restore(context);
            _lastEntered = context;
            _lastEnteredStored = ThreadContexts.RawExecutionContext(_loopThread!);
        }
    }

    /// <summary>Puts back the loop's synchronization context if an item changed it (the execution context is lazy).</summary>
    private void RestoreLoopSynchronizationContext()
    {
        if (!ReferenceEquals(ThreadContexts.SynchronizationContext(_loopThread!), SynchronizationContext))
        {
            System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        }
    }
#endif

    /// <summary>
    /// Puts the run's own execution context back on the loop thread before the loop's code calls out between items, and
    /// as the run ends. Loop thread only.
    /// </summary>
#pragma warning disable CA1822 // Static on netstandard2.0 only, where contexts are not switched lazily.
    private void EnterRunContext()
    {
#if NET8_0_OR_GREATER
        if (ThreadContexts.Available)
        {
            EnterItemContext(null);
        }
#endif
    }

    /// <summary>
    /// The loop thread's execution context as stored, for a wake-up to resume in; null (the run's own) off the loop
    /// thread, or where the thread's fields cannot be read.
    /// </summary>
    internal ExecutionContext? StoredContextOnLoop() =>
#if NET8_0_OR_GREATER
        ThreadContexts.Available && OnLoopStack() ? ThreadContexts.RawExecutionContext(_loopThread!) :
#endif
        null;
#pragma warning restore CA1822

    /// <summary>
    /// Where the thread's context fields cannot be read (<see cref="ThreadContexts.Available"/> false, .NET Standard):
    /// after work ran directly on the loop thread, puts back the run's execution context and the loop's synchronization
    /// context if the work changed them. Between items they are then always those two, so nothing needs capturing before.
    /// </summary>
    private void RestoreLoopContexts()
    {
#if NET8_0_OR_GREATER
        if (_runContext is { } context && !ReferenceEquals(ExecutionContext.Capture(), context))
        {
            ExecutionContext.Restore(context);
        }
#endif
        if (!ReferenceEquals(System.Threading.SynchronizationContext.Current, SynchronizationContext))
        {
            System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        }
    }
}
