using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

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

    /// <summary>
    /// The sequence number of the item at the head. Every queued item takes the next number, so the handle of a
    /// callback queued on the loop thread is just its number: it finds its slot while the callback is pending.
    /// </summary>
    private long _headSequence;

    /// <summary>The number of queued items.</summary>
    public int Count => _count;

    /// <summary>The sequence number the next queued item takes.</summary>
    public long NextSequence => _headSequence + _count;

    /// <summary>The sequence number of the item <see cref="Dequeue"/> returned last.</summary>
    public long LastDequeued => _headSequence - 1;

    /// <summary>Whether the item numbered <paramref name="sequence"/> is still queued.</summary>
    public bool IsPending(long sequence) => sequence >= _headSequence && sequence - _headSequence < _count;

    /// <summary>
    /// The callback of the item numbered <paramref name="sequence"/> while it is queued, else null. Reads one snapshot of
    /// the ring, so a handle read off the loop thread gets a best-effort answer, never an exception.
    /// </summary>
    public object? PeekCallback(long sequence)
    {
        WorkItem[] items = _items;
        long offset = sequence - _headSequence;
        int count = _count;
        return offset >= 0 && offset < count ? items[(_head + (int)offset) & (items.Length - 1)].Callback : null;
    }

    /// <summary>The slot of a pending item (<see cref="IsPending"/> must be true).</summary>
    public ref WorkItem Slot(long sequence) => ref _items[(_head + (int)(sequence - _headSequence)) & (_items.Length - 1)];

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
    public void Enqueue(TimerNode node)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)].Callback = node;
        _count++;
    }

    /// <summary>
    /// Queues a callback without a node. The slot's fields are null already: null state and context are not written,
    /// which spares their GC write barriers.
    /// </summary>
    public void Enqueue(Delegate callback, object? state, ExecutionContext? context)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        ref WorkItem slot = ref _items[(_head + _count) & (_items.Length - 1)];
        slot.Callback = callback;
        if (state is not null)
        {
            slot.State = state;
        }

        if (context is not null)
        {
            slot.Context = context;
        }

        _count++;
    }

    /// <summary>What the item <paramref name="offset"/> places behind the head will run (it must be queued).</summary>
    public object? PeekAhead(int offset) => _items[(_head + offset) & (_items.Length - 1)].Callback;

    public WorkItem Dequeue()
    {
        Debug.Assert(_count > 0, "Dequeue on an empty ready queue");
        ref WorkItem slot = ref _items[_head];
        WorkItem item = slot;
        slot = default; // let the GC take what ran
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        _headSequence++;
        return item;
    }

    public void Clear()
    {
        Array.Clear(_items, 0, _items.Length);
        _headSequence += _count;
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
