using System;
using System.Diagnostics;

namespace Scheduler;

/// <summary>
/// The loop's timers: a binary min-heap keyed by (<see cref="LoopCallback.When"/>, <see cref="LoopCallback.Sequence"/>),
/// so equal deadlines pop in scheduling order. Touched by the loop thread only.
/// </summary>
/// <remarks>
/// Each node knows its index, so a cancelled timer leaves the heap at once (O(log n)) instead of
/// lingering until due, as asyncio's lazy deletion lets it.
/// </remarks>
internal sealed class TimerHeap
{
    private LoopCallback[] _heap = new LoopCallback[16];
    private int _count;

    /// <summary>The number of pending timers.</summary>
    public int Count => _count;

    /// <summary>The earliest timer; the heap must not be empty.</summary>
    public LoopCallback Peek()
    {
        Debug.Assert(_count > 0, "Peek on an empty timer heap");
        return _heap[0];
    }

    public void Push(LoopCallback node)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        int index = _count++;
        _heap[index] = node;
        node.HeapIndex = index;
        SiftUp(index);
    }

    public LoopCallback Pop()
    {
        LoopCallback top = _heap[0];
        RemoveAt(0);
        return top;
    }

    /// <summary>Takes <paramref name="node"/> out of the heap if it is still in it.</summary>
    public bool Remove(LoopCallback node)
    {
        int index = node.HeapIndex;
        if (index < 0 || index >= _count || !ReferenceEquals(_heap[index], node))
        {
            return false;
        }

        RemoveAt(index);
        return true;
    }

    /// <summary>Empties the heap, returning the nodes it held.</summary>
    public LoopCallback[] Clear()
    {
        var nodes = new LoopCallback[_count];
        Array.Copy(_heap, nodes, _count);
        Array.Clear(_heap, 0, _count);
        _count = 0;
        foreach (LoopCallback node in nodes)
        {
            node.HeapIndex = -1;
        }

        return nodes;
    }

    private void RemoveAt(int index)
    {
        LoopCallback removed = _heap[index];
        removed.HeapIndex = -1;
        int last = --_count;
        if (index != last)
        {
            LoopCallback moved = _heap[last];
            _heap[index] = moved;
            moved.HeapIndex = index;
            _heap[last] = null!;
            if (!SiftUp(index))
            {
                SiftDown(index);
            }
        }
        else
        {
            _heap[last] = null!;
        }
    }

    private static bool Earlier(LoopCallback a, LoopCallback b) =>
        a.When < b.When || (a.When == b.When && a.Sequence < b.Sequence);

    private bool SiftUp(int index)
    {
        LoopCallback node = _heap[index];
        int start = index;
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            LoopCallback p = _heap[parent];
            if (!Earlier(node, p))
            {
                break;
            }

            _heap[index] = p;
            p.HeapIndex = index;
            index = parent;
        }

        _heap[index] = node;
        node.HeapIndex = index;
        return index != start;
    }

    private void SiftDown(int index)
    {
        LoopCallback node = _heap[index];
        while (true)
        {
            int child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && Earlier(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            LoopCallback c = _heap[child];
            if (!Earlier(c, node))
            {
                break;
            }

            _heap[index] = c;
            c.HeapIndex = index;
            index = child;
        }

        _heap[index] = node;
        node.HeapIndex = index;
    }
}
