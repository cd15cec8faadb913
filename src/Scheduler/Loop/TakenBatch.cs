using System;
using System.Collections.Generic;

namespace Scheduler;

/// <summary>
/// The items the loop took from the <see cref="Inbox"/> in one go, handed out in posting order from the array the
/// posters filled. Loop thread only; between batches it keeps that array, emptied, for the posters' next turn.
/// </summary>
/// <remarks>
/// An object of its own, not fields of the inbox: the loop writes its position once per item, and on the inbox's cache
/// lines, which the posters write all the time, every such write would pull the line away from them.
/// </remarks>
internal sealed class TakenBatch
{
    /// <summary>The taken items; between batches, the empty array to give the posters at the next take.</summary>
    private WorkItem[] _items = new WorkItem[64];
    private int _count;
    private int _next;

    /// <summary>Whether items are left to hand out.</summary>
    public bool HasItems => _next < _count;

    /// <summary>How many items are left to hand out (a best guess off the loop thread).</summary>
    public int Remaining => _count - _next;

    /// <summary>Takes <paramref name="count"/> items of <paramref name="filled"/>; returns the empty array it held.</summary>
    public WorkItem[] Swap(WorkItem[] filled, int count)
    {
        WorkItem[] empty = _items;
        _items = filled;
        _count = count;
        _next = 0;
        return empty;
    }

    /// <summary>The next item, cleared from the batch; false once the batch is through.</summary>
    public bool TryTakeNext(out WorkItem item)
    {
        int next = _next;
        if (next < _count)
        {
            ref WorkItem slot = ref _items[next];
            item = slot;
            slot = default; // let the GC take what ran
            _next = next + 1;
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>Drops the items left.</summary>
    public void Clear()
    {
        Array.Clear(_items, _next, _count - _next);

        _count = 0;
        _next = 0;
    }

    /// <summary>Copies the items left, for diagnostics; off the loop thread a snapshot that may be partial.</summary>
    public void CopyTo(List<WorkItem> destination)
    {
        WorkItem[] items = _items;
        for (int i = _next, end = System.Math.Min(_count, items.Length); i < end; i++)
        {
            if (items[i].Callback is not null)
            {
                destination.Add(items[i]);
            }
        }
    }
}
