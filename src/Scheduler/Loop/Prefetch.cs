using System.Runtime.CompilerServices;

namespace Scheduler;

/// <summary>Asks the processor to start fetching an object into its caches; a hint that does nothing where unsupported.</summary>
internal static class Prefetch
{
    /// <summary>
    /// Prefetches the first cache line of <paramref name="target"/>. Safe even if the GC moves the object meanwhile: a
    /// prefetch of a stale address never faults, it only fetches the wrong line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? target)
    {
#if NET
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && target is not null)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0((void*)Unsafe.As<object, nint>(ref target));
        }
#endif
    }
}
