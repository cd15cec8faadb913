using System.Threading;
#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
#endif

namespace Scheduler;

/// <summary>
/// Reads the execution and synchronization contexts of the loop's own thread through its <see cref="Thread"/> object.
/// </summary>
/// <remarks>
/// <para>The loop compares both after every callback and captures the first on every post. Through the public API each
/// read is a thread-static lookup, which on Linux calls into the dynamic loader (<c>__tls_get_addr</c>): about a fifth
/// of a callback's cost. The loop already holds its thread, so it reads the two fields of that object instead.</para>
/// <para>The fields are the runtime's private ones (the same names since .NET Core 3.0). If a runtime lacks them,
/// <see cref="Available"/> is false and the loop uses the public API.</para>
/// </remarks>
internal static class ThreadContexts
{
#if NET8_0_OR_GREATER
    /// <summary>Whether the fields were found and read the same as the public API on the thread that checked.</summary>
    public static readonly bool Available = Probe();

    /// <summary>The thread's execution context as stored: null stands for the default context.</summary>
    public static ExecutionContext? RawExecutionContext(Thread thread) => ExecutionContextField(thread);

    public static SynchronizationContext? SynchronizationContext(Thread thread) => SynchronizationContextField(thread);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_executionContext")]
    private static extern ref ExecutionContext? ExecutionContextField(Thread thread);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_synchronizationContext")]
    private static extern ref SynchronizationContext? SynchronizationContextField(Thread thread);

    private static bool Probe()
    {
        try
        {
            Thread thread = Thread.CurrentThread;
            ExecutionContext? raw = ExecutionContextField(thread);
            ExecutionContext? captured = ExecutionContext.Capture();
            // Null stored means the default context (which Capture returns as an object); Capture gives null when flow is suppressed.
            bool sameContext = raw is null || captured is null || ReferenceEquals(raw, captured);
            return sameContext && ReferenceEquals(SynchronizationContextField(thread), System.Threading.SynchronizationContext.Current);
        }
        catch (Exception exception) when (exception is MissingFieldException or MissingMemberException or TypeLoadException)
        {
            return false;
        }
    }
#else
    public const bool Available = false;
#endif
}
