using System;

namespace Scheduler;

/// <summary>
/// A callback scheduled with <see cref="LoopTaskScheduler.CallLater(TimeSpan, Action)"/> or
/// <see cref="LoopTaskScheduler.CallAt(TimeSpan, Action)"/>, which can still be cancelled.
/// <para>Equivalent to asyncio's <c>asyncio.TimerHandle</c>.</para>
/// </summary>
/// <remarks>
/// A value type over a pooled node, so that scheduling allocates nothing. <see cref="Cancel"/> is loop-affine.
/// A cancelled timer never runs; the loop drops it from its timer heap lazily, as asyncio does, and rebuilds the heap once cancelled timers are half of it.
/// </remarks>
public readonly struct LoopTimerHandle : IEquatable<LoopTimerHandle>
{
    private readonly TimerNode? _node;
    private readonly int _version;
    private readonly long _when;

    internal LoopTimerHandle(TimerNode node)
    {
        _node = node;
        _version = node.Version;
        _when = node.When;
    }

    /// <summary>When the callback is due, on the loop's clock (<see cref="LoopTaskScheduler.Time"/>).</summary>
    public TimeSpan When => new(_when);

    /// <summary>Whether <see cref="Cancel"/> was called before the callback ran.</summary>
    public bool IsCancelled => _node is { } node && node.Version == _version && node.Cancelled;

    /// <summary>
    /// Cancels the timer: if it has not run yet, it never will. Does nothing if it already ran or was cancelled.
    /// Call on the loop thread.
    /// </summary>
    public void Cancel()
    {
        if (_node is not { } node)
        {
            return;
        }

        if (node.Version == _version)
        {
            node.Loop!.CancelCallback(node);
        }
        else if (node.Loop is { Debug: true } loop)
        {
            // A cancel that comes too late usually means the code believes it stopped something that already happened.
            loop.WriteLog($"LoopTimerHandle.Cancel() was called on a timer that had already fired (due at {When}): it did nothing.");
        }
    }

    /// <summary>The same scheduled callback as a plain <see cref="LoopHandle"/>.</summary>
    public static implicit operator LoopHandle(LoopTimerHandle handle) =>
        handle._node is null ? default : new LoopHandle(handle._node, handle._version);

    /// <summary>The same scheduled callback as a plain <see cref="LoopHandle"/>.</summary>
    public LoopHandle ToLoopHandle() => this;

    /// <inheritdoc/>
    public bool Equals(LoopTimerHandle other) => ReferenceEquals(_node, other._node) && _version == other._version;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LoopTimerHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((_node?.GetHashCode() ?? 0) * 397) ^ _version;

    /// <summary>Compares two handles.</summary>
    public static bool operator ==(LoopTimerHandle left, LoopTimerHandle right) => left.Equals(right);

    /// <summary>Compares two handles.</summary>
    public static bool operator !=(LoopTimerHandle left, LoopTimerHandle right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"<LoopTimerHandle when={When}{(IsCancelled ? " cancelled" : string.Empty)}>";
}
