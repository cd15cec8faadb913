using System;
using System.Diagnostics;

namespace Scheduler;

/// <summary>
/// The loop's timers: a binary min-heap keyed by (<see cref="LoopCallback.When"/>, <see cref="LoopCallback.Sequence"/>),
/// so equal deadlines pop in scheduling order. Touched by the loop thread only.
/// </summary>
/// <remarks>
/// The keys live in the heap's own entries, so sifting compares and moves plain structs and never touches the timer
/// objects: with 100,000 timers pending, that is what keeps a push or a pop out of cache misses. A cancelled timer
/// stays until it reaches the top (asyncio's lazy deletion); the heap is rebuilt without them once they are more than
/// half of it, so cancelled timers never hold much memory.
/// </remarks>
internal sealed class TimerHeap
{
    private Entry[] _heap = new Entry[16];
    private int _count;

    /// <summary>Entries whose timer was cancelled, still in <see cref="_heap"/>.</summary>
    private int _cancelled;

    /// <summary>The number of pending (not cancelled) timers.</summary>
    public int Count => _count - _cancelled;

    /// <summary>The earliest pending timer; <see cref="Count"/> must not be zero.</summary>
    public LoopCallback Peek()
    {
        DropCancelledTop();
        Debug.Assert(_count > 0, "Peek on an empty timer heap");
        return _heap[0].Node;
    }

    public void Push(LoopCallback node)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        node.InHeap = true;
        SiftUp(_count++, new Entry(node));
    }

    /// <summary>Takes the earliest pending timer out; <see cref="Count"/> must not be zero.</summary>
    public LoopCallback Pop()
    {
        DropCancelledTop();
        LoopCallback top = _heap[0].Node;
        RemoveTop();
        top.InHeap = false;
        return top;
    }

    /// <summary>
    /// Forgets a timer that is being cancelled, if it is still pending; the caller marks it cancelled. Its entry leaves
    /// the heap when it reaches the top, or at the next rebuild.
    /// </summary>
    public bool Remove(LoopCallback node)
    {
        if (!node.InHeap)
        {
            return false;
        }

        node.InHeap = false;
        _cancelled++;
        if (_cancelled > 64 && _cancelled > _count / 2)
        {
            Rebuild(except: node);
        }

        return true;
    }

    /// <summary>Empties the heap.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _heap[i].Node.InHeap = false;
        }

        Array.Clear(_heap, 0, _count);
        _count = 0;
        _cancelled = 0;
    }

    private void DropCancelledTop()
    {
        while (_count > 0 && !_heap[0].Node.InHeap)
        {
            RemoveTop();
            _cancelled--;
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

    /// <summary>Keeps only the pending timers (and not <paramref name="except"/>, cancelled a moment ago), then heapifies.</summary>
    private void Rebuild(LoopCallback except)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            Entry entry = _heap[i];
            if (entry.Node.InHeap && !ReferenceEquals(entry.Node, except))
            {
                _heap[kept++] = entry;
            }
        }

        Array.Clear(_heap, kept, _count - kept);
        _count = kept;
        _cancelled = 0;
        for (int i = (kept / 2) - 1; i >= 0; i--)
        {
            SiftDown(i, _heap[i]);
        }
    }

    private void SiftUp(int index, Entry entry)
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
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
            int child = (2 * index) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && _heap[child + 1].Before(in _heap[child]))
            {
                child++;
            }

            if (!_heap[child].Before(in entry))
            {
                break;
            }

            _heap[index] = _heap[child];
            index = child;
        }

        _heap[index] = entry;
    }

    /// <summary>A timer with its keys copied in, so that ordering needs no visit to the timer object.</summary>
    private readonly struct Entry(LoopCallback node)
    {
        public readonly long When = node.When;
        public readonly long Sequence = node.Sequence;
        public readonly LoopCallback Node = node;

        public bool Before(in Entry other) => When < other.When || (When == other.When && Sequence < other.Sequence);
    }
}
