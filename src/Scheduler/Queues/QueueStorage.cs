using System.Collections.Generic;

namespace Scheduler;

/// <summary>Where a queue keeps its items: the order is the only difference between asyncio's three queues.</summary>
internal abstract class QueueStorage<T>
{
    public abstract int Count { get; }

    public abstract void Add(T item);

    /// <summary>Puts back an item just taken, so that it is the next one out: a cancelled getter takes nothing.</summary>
    public abstract void AddFirst(T item);

    public abstract T Take();

    public abstract void Clear();
}

/// <summary>First in, first out: a ring buffer that can also put an item back at the front.</summary>
internal sealed class FifoStorage<T> : QueueStorage<T>
{
    private T[] _items = new T[16];
    private int _head;
    private int _count;

    public override int Count => _count;

    public override void Add(T item)
    {
        GrowIfFull();
        _items[(_head + _count) % _items.Length] = item;
        _count++;
    }

    public override void AddFirst(T item)
    {
        GrowIfFull();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = item;
        _count++;
    }

    public override T Take()
    {
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        return item;
    }

    public override void Clear()
    {
        System.Array.Clear(_items, 0, _items.Length);
        _head = 0;
        _count = 0;
    }

    private void GrowIfFull()
    {
        if (_count < _items.Length)
        {
            return;
        }

        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) % _items.Length];
        }

        _items = bigger;
        _head = 0;
    }
}

/// <summary>Last in, first out.</summary>
internal sealed class LifoStorage<T> : QueueStorage<T>
{
    private readonly Stack<T> _items = new();

    public override int Count => _items.Count;

    public override void Add(T item) => _items.Push(item);

    public override void AddFirst(T item) => _items.Push(item);

    public override T Take() => _items.Pop();

    public override void Clear() => _items.Clear();
}

/// <summary>Smallest first by a comparer; equal items in insertion order (a sequence number breaks ties).</summary>
internal sealed class PriorityStorage<T>(IComparer<T> comparer) : QueueStorage<T>
{
    private (T Item, long Sequence)[] _heap = new (T, long)[16];
    private int _count;
    private long _sequence;

    /// <summary>Counts down for items put back, so they come out before their equals.</summary>
    private long _frontSequence;

    public override int Count => _count;

    public override void Add(T item) => Push((item, _sequence++));

    public override void AddFirst(T item) => Push((item, --_frontSequence));

    private void Push((T Item, long Sequence) entry)
    {
        if (_count == _heap.Length)
        {
            System.Array.Resize(ref _heap, _heap.Length * 2);
        }

        int index = _count++;
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!Before(entry, _heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            index = parent;
        }

        _heap[index] = entry;
    }

    public override T Take()
    {
        T top = _heap[0].Item;
        (T, long) last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0)
        {
            int index = 0;
            while (true)
            {
                int child = (2 * index) + 1;
                if (child >= _count)
                {
                    break;
                }

                if (child + 1 < _count && Before(_heap[child + 1], _heap[child]))
                {
                    child++;
                }

                if (!Before(_heap[child], last))
                {
                    break;
                }

                _heap[index] = _heap[child];
                index = child;
            }

            _heap[index] = last;
        }

        return top;
    }

    public override void Clear()
    {
        System.Array.Clear(_heap, 0, _count);
        _count = 0;
    }

    private bool Before((T Item, long Sequence) a, (T Item, long Sequence) b)
    {
        int order = comparer.Compare(a.Item, b.Item);
        return order < 0 || (order == 0 && a.Sequence < b.Sequence);
    }
}
