using System;

namespace Scheduler;

/// <summary>
/// A callback scheduled with <see cref="LoopTaskScheduler.CallSoon(Action)"/> or
/// <see cref="LoopTaskScheduler.CallSoonThreadSafe(Action)"/>, which can still be cancelled.
/// <para>Equivalent to asyncio's <c>asyncio.Handle</c>.</para>
/// </summary>
/// <remarks>
/// A value type, so that scheduling allocates nothing: the callback's number in the ready queue (scheduled on the loop
/// thread) or in the inbox (from another thread), with no node behind it. <see cref="Cancel"/> is loop-affine, like
/// every loop member.
/// <para>Differs from asyncio: a handle is spent once the loop has reached its callback. <see cref="Cancel"/> then does
/// nothing, and <see cref="IsCancelled"/> stays false after the callback ran (asyncio marks a handle cancelled even after
/// it ran). A cancelled callback reads cancelled until the loop has skipped it: remembering it for longer would cost
/// memory for every cancelled handle.</para>
/// </remarks>
public readonly struct LoopHandle : IEquatable<LoopHandle>
{
    /// <summary>The loop whose ready queue or inbox holds the callback, or the node of a timer's callback (for exception handlers).</summary>
    private readonly object? _owner;

    /// <summary>
    /// The node's version; or the callback's sequence number in the loop's ready queue (zero or more), or the complement
    /// of its number in the loop's inbox (negative).
    /// </summary>
    private readonly long _id;

    internal LoopHandle(TimerNode node)
        : this(node, node.Version)
    {
    }

    internal LoopHandle(TimerNode node, int version)
    {
        _owner = node;
        _id = version;
    }

    internal LoopHandle(LoopTaskScheduler loop, long sequence)
    {
        _owner = loop;
        _id = sequence;
    }

    /// <summary>Whether <see cref="Cancel"/> was called before the callback ran (see the remarks for how long this is known).</summary>
    public bool IsCancelled => _owner switch
    {
        TimerNode node => node.Version == _id && node.Cancelled,
        LoopTaskScheduler loop => loop.IsQueuedCallbackCancelled(_id),
        _ => false,
    };

    /// <summary>
    /// Cancels the callback: if it has not run yet, it never will. Does nothing if it already ran or was cancelled.
    /// Call on the loop thread.
    /// </summary>
    public void Cancel()
    {
        switch (_owner)
        {
            case TimerNode node when node.Version == _id:
                node.Loop!.CancelCallback(node);
                break;
            case LoopTaskScheduler loop:
                loop.CancelQueuedCallback(_id);
                break;
        }
    }

    /// <inheritdoc/>
    public bool Equals(LoopHandle other) => ReferenceEquals(_owner, other._owner) && _id == other._id;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LoopHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((_owner?.GetHashCode() ?? 0) * 397) ^ _id.GetHashCode();

    /// <summary>Compares two handles.</summary>
    public static bool operator ==(LoopHandle left, LoopHandle right) => left.Equals(right);

    /// <summary>Compares two handles.</summary>
    public static bool operator !=(LoopHandle left, LoopHandle right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString()
    {
        switch (_owner)
        {
            case TimerNode node:
                string state = node.Version != _id ? " done" : node.Cancelled ? " cancelled" : string.Empty;
                return $"<LoopHandle {TimerNode.Describe(node.Version == _id ? node.Callback : null)}{state}>";
            case LoopTaskScheduler loop:
                return loop.DescribeQueuedCallback(_id);
            default:
                return "<LoopHandle>";
        }
    }
}
