using System;

namespace Scheduler;

/// <summary>
/// A callback scheduled with <see cref="LoopTaskScheduler.CallSoon(Action)"/> or
/// <see cref="LoopTaskScheduler.CallSoonThreadSafe(Action)"/>, which can still be cancelled.
/// <para>Equivalent to asyncio's <c>asyncio.Handle</c>.</para>
/// </summary>
/// <remarks>
/// A value type over a pooled node, so that scheduling allocates nothing.
/// <see cref="Cancel"/> is loop-affine, like every loop member.
/// <para>Differs from asyncio: once the callback has run, <see cref="Cancel"/> does nothing and
/// <see cref="IsCancelled"/> stays false (asyncio marks a handle cancelled even after it ran).</para>
/// </remarks>
public readonly struct LoopHandle : IEquatable<LoopHandle>
{
    private readonly LoopCallback? _node;
    private readonly int _version;

    internal LoopHandle(LoopCallback node)
        : this(node, node.Version)
    {
    }

    internal LoopHandle(LoopCallback node, int version)
    {
        _node = node;
        _version = version;
    }

    /// <summary>Whether <see cref="Cancel"/> was called before the callback ran.</summary>
    public bool IsCancelled => _node is { } node && node.Version == _version && node.Cancelled;

    /// <summary>
    /// Cancels the callback: if it has not run yet, it never will. Does nothing if it already ran or was cancelled.
    /// Call on the loop thread.
    /// </summary>
    public void Cancel()
    {
        if (_node is { } node && node.Version == _version)
        {
            node.Loop!.CancelCallback(node);
        }
    }

    /// <inheritdoc/>
    public bool Equals(LoopHandle other) => ReferenceEquals(_node, other._node) && _version == other._version;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LoopHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((_node?.GetHashCode() ?? 0) * 397) ^ _version;

    /// <summary>Compares two handles.</summary>
    public static bool operator ==(LoopHandle left, LoopHandle right) => left.Equals(right);

    /// <summary>Compares two handles.</summary>
    public static bool operator !=(LoopHandle left, LoopHandle right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString()
    {
        if (_node is not { } node)
        {
            return "<LoopHandle>";
        }

        string state = node.Version != _version ? " done" : node.Cancelled ? " cancelled" : string.Empty;
        return $"<LoopHandle {LoopCallback.Describe(node.Version == _version ? node.Callback : null)}{state}>";
    }
}
