using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>
    /// How far below <see cref="_stackTop"/> a frame may lie and still be known to be on the loop's thread. Well inside
    /// the 64 KB (32-bit) or 128 KB (64-bit) that <c>RuntimeHelpers.TryEnsureSufficientExecutionStack</c> promises
    /// below the frame that marked it, so the window never reaches past the thread's own stack. On .NET Standard (where
    /// that method is missing) nothing is marked and the thread-static answers.
    /// </summary>
    private const int LoopStackWindow = 32 * 1024;

    /// <summary>The loop running on this thread, if any.</summary>
#pragma warning disable IDE1006 // t_ marks a thread-static, as in the runtime's code.
    [ThreadStatic]
    private static LoopTaskScheduler? t_running;
#pragma warning restore IDE1006

    /// <summary>
    /// The address of a local in the frame that started the run, while the loop runs; 0 otherwise. Written on the loop
    /// thread only, as a run starts and ends.
    /// </summary>
    private PaddedAddress _stackTop;

    /// <summary>True on the thread that runs the loop, while it runs.</summary>
    /// <remarks>
    /// Asked on every post, wait and wake-up, often several times per hand-off. A thread-static read is a call into the
    /// dynamic loader on Linux (<c>__tls_get_addr</c>), a visible share of a hand-off between two tasks (W4; BENCHMARKS.md). The loop's code runs in frames below the one that started the run, on the loop thread's stack; an
    /// address within <see cref="LoopStackWindow"/> below that frame belongs to no other thread's stack, so a local's
    /// address answers without the lookup. Deeper frames, and every other thread, ask the thread-static.
    /// </remarks>
    internal bool IsOnLoopThread
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => OnLoopStack() || ReferenceEquals(t_running, this);
    }

    /// <summary>The loop running on the calling thread, or null.</summary>
    internal static LoopTaskScheduler? Running => t_running;

    /// <summary>The loop running on the calling thread; throws, naming the fix, when none runs.</summary>
    internal static LoopTaskScheduler RunningOrThrow() =>
        t_running ?? throw new InvalidOperationException("No event loop is running on this thread: call this from code running on a loop (AsyncIO.Run, RunUntilComplete).");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe bool OnLoopStack()
    {
        byte here = 0;
        return _stackTop.Value - (nuint)(&here) < LoopStackWindow;
    }

    /// <summary>Called on the loop thread as a run starts, after <see cref="t_running"/> is set.</summary>
    private void MarkLoopStack() => _stackTop.Value = StackMark.Here();

    /// <summary>A run starts on the calling thread: it becomes the loop's.</summary>
    private void TakeThread()
    {
        t_running = this;
        MarkLoopStack();
    }

    /// <summary>The run ends: the calling thread is the loop's no more.</summary>
    private void ReleaseThread()
    {
        _stackTop.Value = 0;
        t_running = null;
    }

    /// <summary>
    /// An address alone on its cache line. Every post from another thread reads it, and fields next to it may be
    /// counters the loop writes on every turn: padded, those reads do not miss on the loop's writes.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedAddress
    {
        [FieldOffset(64)]
        public nuint Value;
    }
}
