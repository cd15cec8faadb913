using System.Collections.Generic;

namespace Scheduler;

/// <summary>Where a queue keeps its items: the order is the only difference between asyncio's three queues.</summary>
internal abstract class QueueStorage<T>
{
    public abstract int Count { get; }

    public abstract void Add(T item);

    public abstract T Take();

    public abstract void Clear();
}

/// <summary>First in, first out.</summary>
internal sealed class FifoStorage<T> : QueueStorage<T>
{
    private readonly Queue<T> _items = new();

    public override int Count => _items.Count;

    public override void Add(T item) => _items.Enqueue(item);

    public override T Take() => _items.Dequeue();

    public override void Clear() => _items.Clear();
}

/// <summary>Last in, first out.</summary>
internal sealed class LifoStorage<T> : QueueStorage<T>
{
    private readonly Stack<T> _items = new();

    public override int Count => _items.Count;

    public override void Add(T item) => _items.Push(item);

    public override T Take() => _items.Pop();

    public override void Clear() => _items.Clear();
}

/// <summary>Smallest first by a comparer; equal items in insertion order (a sequence number breaks ties).</summary>
internal sealed class PriorityStorage<T>(IComparer<T> comparer) : QueueStorage<T>
{
    private (T Item, long Sequence)[] _heap = new (T, long)[16];
    private int _count;
    private long _sequence;

    public override int Count => _count;

    public override void Add(T item)
    {
        if (_count == _heap.Length)
        {
            System.Array.Resize(ref _heap, _heap.Length * 2);
        }

        int index = _count++;
        var entry = (item, _sequence++);
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
