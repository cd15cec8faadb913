using System.Runtime.InteropServices;
using System.Threading;

namespace Scheduler;

/// <summary>
/// How the loop thread moves between the execution contexts its items run in (.NET Standard 2.0): eagerly. Without
/// <c>ExecutionContext.Restore</c> and the thread's stored contexts, an item that captured a context runs inside
/// <see cref="ExecutionContext.Run"/>; one that captured nothing runs directly, and the loop's synchronization context
/// is put back after it. Loop thread only.
/// </summary>
/// <remarks>One file per target framework, chosen by the project; .NET 8's <c>ContextSwitcher</c> switches lazily.</remarks>
[StructLayout(LayoutKind.Auto)]
#pragma warning disable CA1822 // Instance members, as the .NET 8 switcher's that the loop calls in place.
internal struct ContextSwitcher
{
    /// <summary>The last context found on the loop thread when work was scheduled, and what it became without the task.</summary>
    private ExecutionContext? _captureSource;
    private ExecutionContext? _captureResult;
    private bool _captureCached;

    /// <summary>Never: the thread's stored contexts cannot be read here.</summary>
    public static bool SwitchesLazily => false;

    /// <summary>A run starts on the calling thread, the loop's.</summary>
    public void Enter()
    {
        _captureCached = false;
        _captureSource = null;
        _captureResult = null;
    }

    /// <summary>The run ended.</summary>
    public readonly void Exit()
    {
    }

    /// <summary>Never readable here: callers ask the public API.</summary>
    public readonly bool TryReadStored(out ExecutionContext? stored)
    {
        stored = null;
        return false;
    }

    /// <summary>Not used here (<see cref="SwitchesLazily"/> is false): the public API's answer.</summary>
    public readonly SynchronizationContext? LoopThreadSynchronizationContext() => SynchronizationContext.Current;

    /// <summary>Not used here (<see cref="SwitchesLazily"/> is false): the run's own context.</summary>
    public readonly ExecutionContext? StoredOnLoop() => null;

    /// <summary>
    /// <see cref="FlowingTask.CaptureForFork()"/> on the loop thread, remembering the last answer: a burst of scheduling
    /// from one step captures the same context each time.
    /// </summary>
    public ExecutionContext? CaptureOnLoop()
    {
        ExecutionContext? captured = ExecutionContext.Capture();
        if (!_captureCached || !ReferenceEquals(captured, _captureSource))
        {
            _captureResult = FlowingTask.CaptureForFork(captured);
            _captureSource = captured;
            _captureCached = true;
        }

        return _captureResult;
    }

    /// <summary>Only work that captured nothing may skip <see cref="ExecutionContext.Run"/> here.</summary>
    public readonly bool RunsInLoopContext(ExecutionContext? context) => context is null;

    /// <summary>Not used here (<see cref="SwitchesLazily"/> is false).</summary>
    public readonly void EnterItem(ExecutionContext? context)
    {
    }

    /// <summary>Not used here (<see cref="SwitchesLazily"/> is false).</summary>
    public readonly void RestoreSynchronizationContext(SynchronizationContext loopContext)
    {
    }

    /// <summary>Nothing to put back: items that switched ran inside <see cref="ExecutionContext.Run"/>.</summary>
    public readonly void EnterRun()
    {
    }

    /// <summary>After work ran directly on the loop thread: puts back the loop's synchronization context if it changed it.</summary>
    public readonly void RestoreAfterDirect(SynchronizationContext loopContext)
    {
        if (!ReferenceEquals(SynchronizationContext.Current, loopContext))
        {
            SynchronizationContext.SetSynchronizationContext(loopContext);
        }
    }
}
#pragma warning restore CA1822
