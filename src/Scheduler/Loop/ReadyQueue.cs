using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Scheduler;

/// <summary>
/// The loop's FIFO of runnable work: a growable ring buffer touched by the loop thread only
/// (or, before the loop first runs, by the single thread that owns it).
/// </summary>
/// <remarks>No locks, no allocation once grown to the working-set size.</remarks>
internal sealed class ReadyQueue
{
    /// <summary>Power-of-two capacity, so that wrapping is a mask.</summary>
    private WorkItem[] _items = new WorkItem[64];
    private int _head;
    private int _count;

    /// <summary>The number of queued items.</summary>
    public int Count => _count;

    public void Enqueue(in WorkItem item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)] = item;
        _count++;
    }

    /// <summary>Queues a handle-bearing callback: only the first field is written, the slot's others are null already.</summary>
    public void Enqueue(LoopCallback node)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)].Callback = node;
        _count++;
    }

    /// <summary>Queues a posted delegate that captured no context: the slot's context is null already.</summary>
    public void Enqueue(object callback, object state)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        ref WorkItem slot = ref _items[(_head + _count) & (_items.Length - 1)];
        slot.Callback = callback;
        slot.State = state;
        _count++;
    }

    public WorkItem Dequeue()
    {
        Debug.Assert(_count > 0, "Dequeue on an empty ready queue");
        ref WorkItem slot = ref _items[_head];
        WorkItem item = slot;
        slot = default; // let the GC take what ran
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        return item;
    }

    /// <summary>Appends <paramref name="count"/> items of <paramref name="source"/> in order.</summary>
    public void EnqueueRange(WorkItem[] source, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Enqueue(in source[i]);
        }
    }

    public void Clear()
    {
        Array.Clear(_items, 0, _items.Length);
        _head = 0;
        _count = 0;
    }

    /// <summary>Copies the queued items out, oldest first, for diagnostics.</summary>
    public void CopyTo(List<WorkItem> destination)
    {
        for (int i = 0; i < _count; i++)
        {
            destination.Add(_items[(_head + i) & (_items.Length - 1)]);
        }
    }

    private void Grow()
    {
        var bigger = new WorkItem[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _head = 0;
    }
}
