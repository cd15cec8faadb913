using System.Runtime.CompilerServices;

namespace Scheduler;

/// <summary>Marks where a run's frames begin on the loop thread's stack, for <c>IsOnLoopThread</c>'s fast answer.</summary>
internal static class StackMark
{
    /// <summary>
    /// The address of a local in this frame, when the runtime promises stack room below it; 0 where it cannot
    /// (.NET Standard lacks <c>RuntimeHelpers.TryEnsureSufficientExecutionStack</c>), and the thread-static answers instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe nuint Here()
    {
#if NET8_0_OR_GREATER
        byte here = 0;

        // Without the promised room below this frame, the window could reach another thread's stack: no fast answer then.
        return RuntimeHelpers.TryEnsureSufficientExecutionStack() ? (nuint)(&here) : 0;
#else
        return 0;
#endif
    }
}
