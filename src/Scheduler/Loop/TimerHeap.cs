using System;
using System.Collections.Generic;

namespace Scheduler;

/// <summary>
/// The loop's timers: a 4-ary min-heap keyed by (<see cref="TimerNode.When"/>, <see cref="TimerNode.Sequence"/>),
/// so equal deadlines pop in scheduling order. Touched by the loop thread only.
/// </summary>
/// <remarks>
/// <para>The keys live in the heap's own entries, so sifting compares and moves plain structs, and taking a due timer
/// out never touches the timer object: with 100,000 timers pending, each of those is a cache miss, and firing a
/// timer paid it twice (once here, once to run it). Four children per node, as the runtime's
/// <c>PriorityQueue</c>: half the levels of a binary heap,
/// and the four children share a cache line or two.</para>
/// <para>A cancelled timer stays until it reaches the top (asyncio's lazy deletion): its entry's sequence number is
/// remembered as stale, and the heap is rebuilt without the stale entries once they are more than half of it, so
/// cancelled timers never hold much memory.</para>
/// </remarks>
internal sealed class TimerHeap
{
    private Entry[] _heap = new Entry[16];
    private int _count;

    /// <summary>
    /// The sequence numbers of cancelled timers whose entries may still be in <see cref="_heap"/>; made at the first
    /// cancel. May briefly hold one that already left (cancelled between being taken out and being run): the loop
    /// forgets it when it skips that timer (<see cref="ForgetCancelled"/>).
    /// </summary>
    private HashSet<long>? _stale;

    /// <summary>The number of pending (not cancelled) timers.</summary>
    public int Count => _count - (_stale?.Count ?? 0);

    /// <summary>Whether any entry is left, pending or stale; the loop may wake for a stale one and find nothing due.</summary>
    public bool HasEntries => _count > 0;

    /// <summary>The due time of the earliest pending timer; false when none is pending.</summary>
    public bool TryPeekWhen(out long when)
    {
        DropStaleTop();
        if (_count == 0)
        {
            when = 0;
            return false;
        }

        when = _heap[0].When;
        return true;
    }

    public void Push(TimerNode node)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        node.InHeap = true;
        SiftUp(_count++, new Entry(node));
    }

    /// <summary>
    /// Takes out the earliest pending timer if it is due at <paramref name="now"/>. Reads only the heap's entries: the
    /// loop marks the timer as out of the heap when it runs it (<see cref="TimerNode.InHeap"/>).
    /// </summary>
    public bool TryPopDue(long now, out TimerNode node)
    {
        while (_count > 0 && _heap[0].When <= now)
        {
            Entry top = _heap[0];
            RemoveTop();
            if (_stale is { Count: > 0 } stale && stale.Remove(top.Sequence))
            {
                continue;
            }

            node = top.Node;
            return true;
        }

        node = null!;
        return false;
    }

    /// <summary>
    /// Forgets a timer that is being cancelled, if it is still pending; the caller marks it cancelled. Its entry leaves
    /// the heap when it reaches the top, or at the next rebuild.
    /// </summary>
    public bool Remove(TimerNode node)
    {
        if (!node.InHeap)
        {
            return false;
        }

        node.InHeap = false;
        HashSet<long> stale = _stale ??= [];
        stale.Add(node.Sequence);
        if (stale.Count > 64 && stale.Count > _count / 2)
        {
            Rebuild(stale);
        }

        return true;
    }

    /// <summary>
    /// Called when the loop skips a cancelled timer it had taken out: it was cancelled after it left the heap, so
    /// <see cref="Remove"/> took it for pending and counted it stale.
    /// </summary>
    public void ForgetCancelled(TimerNode node) => _stale?.Remove(node.Sequence);

    /// <summary>Empties the heap.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _heap[i].Node.InHeap = false;
        }

        Array.Clear(_heap, 0, _count);
        _count = 0;
        _stale?.Clear();
    }

    private void DropStaleTop()
    {
        while (_count > 0 && _stale is { Count: > 0 } stale && stale.Remove(_heap[0].Sequence))
        {
            RemoveTop();
        }
    }

    private void RemoveTop()
    {
        int last = --_count;
        Entry moved = _heap[last];
        _heap[last] = default;
        if (last > 0)
        {
            SiftDown(0, moved);
        }
    }

    /// <summary>Keeps only the pending timers, then heapifies.</summary>
    private void Rebuild(HashSet<long> stale)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            Entry entry = _heap[i];
            if (!stale.Contains(entry.Sequence))
            {
                _heap[kept++] = entry;
            }
        }

        Array.Clear(_heap, kept, _count - kept);
        _count = kept;
        stale.Clear();
        for (int i = (kept - 2) >> 2; i >= 0; i--)
        {
            SiftDown(i, _heap[i]);
        }
    }

    private void SiftUp(int index, Entry entry)
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 2;
            if (!entry.Before(in _heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            index = parent;
        }

        _heap[index] = entry;
    }

    private void SiftDown(int index, Entry entry)
    {
        int count = _count;
        while (true)
        {
            int first = (index << 2) + 1;
            if (first >= count)
            {
                break;
            }

            int best = first;
            int end = Math.Min(first + 4, count);
            for (int child = first + 1; child < end; child++)
            {
                if (_heap[child].Before(in _heap[best]))
                {
                    best = child;
                }
            }

            if (!_heap[best].Before(in entry))
            {
                break;
            }

            _heap[index] = _heap[best];
            index = best;
        }

        _heap[index] = entry;
    }

    /// <summary>A timer with its keys copied in, so that ordering needs no visit to the timer object.</summary>
    private readonly struct Entry(TimerNode node)
    {
        public readonly long When = node.When;
        public readonly long Sequence = node.Sequence;
        public readonly TimerNode Node = node;

        public bool Before(in Entry other) => When < other.When || (When == other.When && Sequence < other.Sequence);
    }
}
