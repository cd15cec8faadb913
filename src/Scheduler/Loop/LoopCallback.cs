using System;
using System.Threading;

namespace Scheduler;

/// <summary>
/// A timer: the object behind a <see cref="LoopTimerHandle"/> (and behind the <see cref="LoopHandle"/> an exception
/// handler gets for a failing timer callback; callbacks queued to run soon have no node). Pooled per loop;
/// <see cref="Version"/> tells a handle whether it still speaks of this use of the node.
/// </summary>
internal sealed class LoopCallback : IPoolable
{
    /// <summary>An <see cref="Action"/> or an <see cref="Action{T}"/> of <see cref="object"/>.</summary>
    public Delegate? Callback;

    /// <summary>The argument of an <see cref="Action{T}"/> callback.</summary>
    public object? State;

    /// <summary>The context captured when the callback was scheduled (asyncio copies the context at <c>call_soon</c>).</summary>
    public ExecutionContext? Context;

    /// <summary>Bumped each time the node goes back to the pool, so stale handles see a different number.</summary>
    public int Version;

    /// <summary>Set by <see cref="LoopHandle.Cancel"/>; a cancelled node is never run and never pooled again.</summary>
    public volatile bool Cancelled;

    /// <summary>When it is due, in ticks of the loop's clock.</summary>
    public long When;

    /// <summary>Scheduling order, which breaks ties of <see cref="When"/>.</summary>
    public long Sequence;

    /// <summary>Pending in the timer heap, or taken out and not yet run (not run, not cancelled).</summary>
    public bool InHeap;


    /// <summary>
    /// A timer kept by its owner (a sleep) and armed again for each use, so it never goes back to the loop's pool.
    /// Its callback and state are set once, when it is made.
    /// </summary>
    public bool Owned;

    /// <inheritdoc/>
    public int PoolNumber { get; set; } = -1;

    /// <summary>The loop that scheduled it.</summary>
    public LoopTaskScheduler? Loop;

    /// <summary>Names the callback for messages: the method's declaring type and name.</summary>
    public static string Describe(Delegate? callback) =>
        callback is null ? "<none>" : $"{callback.Method.DeclaringType?.Name}.{callback.Method.Name}";
}
