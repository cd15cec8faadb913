using System.Runtime.InteropServices;

namespace Scheduler;

/// <summary>
/// The loop's timers as one component: the heap of pending nodes, the pool that recycles them, and the sequence that
/// orders equal deadlines. Every change to a timer's place (schedule, cancel, recycle, due) goes through here.
/// Loop thread only.
/// </summary>
/// <remarks>
/// A struct held by value in the loop's field block, not a class: scheduling and firing a timer are on the path of every
/// sleep, and a component object would put one more pointer between the loop and its heap. Never copied: the loop holds
/// it in a non-readonly field and calls it in place.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct LoopTimers
{
    private readonly TimerHeap _heap;

    /// <summary>Recycled nodes: as many as were ever pending at once, trimmed after a burst.</summary>
    private readonly LoopObjectPool<TimerNode> _nodes;
    private long _sequence;

    public LoopTimers(TimerHeap heap, LoopObjectPool<TimerNode> nodes)
    {
        _heap = heap;
        _nodes = nodes;
        _sequence = 0;
    }

    /// <summary>The number of pending (not cancelled) timers.</summary>
    public readonly int Count => _heap.Count;

    /// <summary>Whether any entry is left, pending or stale; the loop may wake for a stale one and find nothing due.</summary>
    public readonly bool HasEntries => _heap.HasEntries;

    /// <summary>The due time of the earliest pending timer; false when none is pending.</summary>
    public readonly bool TryPeekWhen(out long when) => _heap.TryPeekWhen(out when);

    /// <summary>A node for a new timer: from the pool on the loop thread; other threads take a fresh one, which the loop recycles later.</summary>
    public readonly TimerNode Rent(LoopTaskScheduler loop, bool onLoop) =>
        onLoop ? _nodes.Rent() ?? _nodes.Adopt(new TimerNode { Loop = loop }) : new TimerNode { Loop = loop };

    /// <summary>Puts <paramref name="node"/> in the heap, due at <paramref name="when"/>, after the timers already due then.</summary>
    public void Schedule(TimerNode node, long when)
    {
        node.When = when;
        node.Sequence = ++_sequence;
        _heap.Push(node);
    }

    /// <summary>Moves the timers due at <paramref name="now"/> to the ready queue, in order of due time.</summary>
    public readonly void MoveDue(long now, ReadyQueue ready)
    {
        while (_heap.TryPopDue(now, out TimerNode node))
        {
            ready.Enqueue(node);
        }
    }

    /// <summary>A due node is about to run: it left the heap when it was moved (marked only now, so moving it did not touch it).</summary>
    /// <returns>False for a node cancelled after it was moved: skip it.</returns>
    public readonly bool TakeDue(TimerNode node)
    {
        if (node.Cancelled)
        {
            _heap.ForgetCancelled(node);
            return false;
        }

        node.InHeap = false;
        return true;
    }

    /// <summary>Cancels a pending or due node. A cancelled node is never run nor pooled again, so its handle keeps reading cancelled.</summary>
    public readonly void Cancel(TimerNode node)
    {
        _heap.Remove(node);
        node.Cancelled = true;
        node.Clear();

        // Its number in the pool goes to a later node.
        _nodes.Abandon(node);
    }

    /// <summary>Returns a node that ran to the pool, forgetting what it ran; handles given out for it read it as done.</summary>
    public readonly void Recycle(TimerNode node)
    {
        node.Version++;
        node.Clear();
        _nodes.Return(node);
    }

    /// <summary>Drops every timer and stops pooling: the loop closed.</summary>
    public readonly void Close()
    {
        _heap.Clear();
        _nodes.Close();
    }
}
