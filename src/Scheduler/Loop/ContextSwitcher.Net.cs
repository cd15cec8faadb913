using System.Runtime.InteropServices;
using System.Threading;

namespace Scheduler;

/// <summary>
/// How the loop thread moves between the execution contexts its items run in (.NET 8 and later): lazily, reading the
/// thread's stored contexts through its <see cref="Thread"/> object (<see cref="ThreadContexts"/>), and switching only
/// when the next item needs another context. Loop thread only.
/// </summary>
/// <remarks>
/// <para>An awaiting method's box restores its own context as it resumes and puts back the one it found as it suspends.
/// Switched back to the run's context after every item, two tasks handing work to each other paid a switch in and a
/// switch out per hand-off, inside the box. A wake-up is queued with the context of the code it resumes (see
/// <c>CallSoonInternal</c>), so the box finds itself there already and switches nothing; consecutive items of one
/// context switch nothing either. Callbacks and posts lose nothing: each still starts in the context captured with it,
/// whatever ran before. Where the loop's own code calls out between items (exception handler, going idle, end of run),
/// it puts back the run's context first (<see cref="EnterRun"/>).</para>
/// <para>One file per target framework, chosen by the project: .NET Standard's <c>ContextSwitcher</c> switches eagerly.
/// A struct held by value in the loop's field block: it is consulted around every item.</para>
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct ContextSwitcher
{
    /// <summary>The thread running the loop, while it runs: its contexts are read through it.</summary>
    private Thread? _thread;

    /// <summary>The context of the thread that runs the loop, captured as the run starts: items run in it between switches.</summary>
    private ExecutionContext? _runContext;

    /// <summary><see cref="_runContext"/> as the thread stores it (null for the default context).</summary>
    private ExecutionContext? _runContextStored;

    /// <summary>
    /// The last context an item was switched to, and how the thread stores it. They differ for the default context
    /// (stored as null), which every post from a thread with nothing flowing captures: known, it is not switched to again.
    /// </summary>
    private ExecutionContext? _lastEntered;
    private ExecutionContext? _lastEnteredStored;

    /// <summary>The last context found on the loop thread when work was scheduled (as stored), and what it became without the task.</summary>
    private ExecutionContext? _captureSource;
    private ExecutionContext? _captureResult;
    private bool _captureCached;

    /// <summary>Whether the thread's stored contexts can be read, so items switch lazily (<see cref="EnterItem"/>).</summary>
    public static bool SwitchesLazily => ThreadContexts.Available;

    /// <summary>A run starts on the calling thread, the loop's.</summary>
    public void Enter()
    {
        _thread = Thread.CurrentThread;
        _runContext = ExecutionContext.Capture();
        _runContextStored = ReadStored();
        _captureCached = false;
        _captureSource = null;
        _captureResult = null;
        _lastEntered = null;
        _lastEnteredStored = null;
    }

    /// <summary>The run ended: the thread is no longer the loop's.</summary>
    public void Exit() => _thread = null;

    /// <summary>The loop thread's execution context as stored (null for the default), if it can be read without a thread-static lookup.</summary>
    public readonly bool TryReadStored(out ExecutionContext? stored)
    {
        if (ThreadContexts.Available)
        {
            stored = ThreadContexts.RawExecutionContext(_thread!);
            return true;
        }

        stored = null;
        return false;
    }

    /// <summary>The loop thread's synchronization context, read through its thread object. Only when <see cref="SwitchesLazily"/>.</summary>
    public readonly SynchronizationContext? LoopThreadSynchronizationContext() => ThreadContexts.SynchronizationContext(_thread!);

    /// <summary>The loop thread's execution context as stored, for a wake-up to resume in. Only when <see cref="SwitchesLazily"/>.</summary>
    public readonly ExecutionContext? StoredOnLoop() => ThreadContexts.RawExecutionContext(_thread!);

    /// <summary>
    /// <see cref="FlowingTask.CaptureForFork()"/> on the loop thread, remembering the last answer: a burst of scheduling
    /// from one step captures the same context each time. Null for the run's own context, which items run in anyway.
    /// </summary>
    public ExecutionContext? CaptureOnLoop()
    {
        ExecutionContext? stored = ReadStored();
        if (!_captureCached || !ReferenceEquals(stored, _captureSource))
        {
            ExecutionContext? result = FlowingTask.CaptureForFork(ExecutionContext.Capture());

            // Storing null costs no GC barrier.
            if (ReferenceEquals(result, _runContext))
            {
                result = null;
            }

            _captureResult = result;
            _captureSource = stored;
            _captureCached = true;
        }

        return _captureResult;
    }

    /// <summary>
    /// Whether work captured in <paramref name="context"/> may run directly on the loop thread: it was scheduled with
    /// nothing flowing (null), or in the loop thread's own context. <see cref="RestoreAfterDirect"/> undoes afterwards
    /// whatever it changed, which is what <see cref="ExecutionContext.Run"/> would do, minus its switch.
    /// </summary>
    public readonly bool RunsInLoopContext(ExecutionContext? context) => context is null || ReferenceEquals(context, _runContext);

    /// <summary>
    /// Puts the loop thread in the context an item runs in: <paramref name="context"/> as stored on the thread, or the
    /// run's own for null. Only if it is elsewhere. Only when <see cref="SwitchesLazily"/>.
    /// </summary>
    public void EnterItem(ExecutionContext? context)
    {
        ExecutionContext? current = ThreadContexts.RawExecutionContext(_thread!);
        if (context is null)
        {
            if (!ReferenceEquals(current, _runContextStored) && _runContext is { } run)
            {
                ExecutionContext.Restore(run);
                _runContextStored = ThreadContexts.RawExecutionContext(_thread!);
            }
        }
        else if (ReferenceEquals(context, _lastEntered) ? !ReferenceEquals(current, _lastEnteredStored) : !ReferenceEquals(current, context))
        {
            ExecutionContext.Restore(context);
            _lastEntered = context;
            _lastEnteredStored = ThreadContexts.RawExecutionContext(_thread!);
        }
    }

    /// <summary>After a lazily switched item: puts back the loop's synchronization context if the item changed it.</summary>
    public readonly void RestoreSynchronizationContext(SynchronizationContext loopContext)
    {
        if (!ReferenceEquals(ThreadContexts.SynchronizationContext(_thread!), loopContext))
        {
            SynchronizationContext.SetSynchronizationContext(loopContext);
        }
    }

    /// <summary>Puts the run's own execution context back before the loop's code calls out between items, and as the run ends.</summary>
    public void EnterRun()
    {
        if (ThreadContexts.Available)
        {
            EnterItem(null);
        }
    }

    /// <summary>
    /// Where the thread's fields cannot be read: after work ran directly on the loop thread, puts back the run's
    /// execution context and the loop's synchronization context if the work changed them, so that between items they
    /// are always those two.
    /// </summary>
    public readonly void RestoreAfterDirect(SynchronizationContext loopContext)
    {
        if (_runContext is { } context && !ReferenceEquals(ExecutionContext.Capture(), context))
        {
            ExecutionContext.Restore(context);
        }

        if (!ReferenceEquals(SynchronizationContext.Current, loopContext))
        {
            SynchronizationContext.SetSynchronizationContext(loopContext);
        }
    }

    /// <summary>The loop thread's execution context, as stored on the thread when it can be read there, else as captured.</summary>
    private readonly ExecutionContext? ReadStored() =>
        ThreadContexts.Available ? ThreadContexts.RawExecutionContext(_thread!) : ExecutionContext.Capture();
}
