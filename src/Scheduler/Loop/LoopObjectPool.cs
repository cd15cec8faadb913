using System;

namespace Scheduler;

/// <summary>
/// A loop's stock of reusable objects (sleeps, completion hooks): it grows to the most ever out at once, so even a burst
/// allocates nothing once it has been seen, and gen2 collections trim what a past burst left unused.
/// </summary>
/// <remarks>
/// <see cref="Rent"/> and <see cref="Return"/> are for the loop thread only; <see cref="RequestTrim"/> comes from the
/// finalizer thread. A fixed cap would not do: a workload with more out at once than the cap (100,000 sleeps pending)
/// allocated the difference again on every round, and the GC copied it around.
/// </remarks>
/// <typeparam name="T">What is pooled.</typeparam>
internal sealed class LoopObjectPool<T>
    where T : class
{
    /// <summary>Pools up to this size never ask to be trimmed: a gen2 callback is not worth it for them.</summary>
    private const int SmallPool = 16;

    private static readonly Func<object, bool> s_requestTrim = static pool => ((LoopObjectPool<T>)pool).RequestTrim();

    private T?[] _items = new T?[SmallPool];
    private int _count;

    /// <summary>The fewest pooled since the last trim: that many were not needed since.</summary>
    private int _low;

    /// <summary>The same for the period before: a trim drops only what neither period needed.</summary>
    private int _lowBefore;

    /// <summary>Set after a gen2 GC, on the finalizer thread; the next <see cref="Rent"/> trims.</summary>
    private volatile bool _trimDue;
    private bool _watched;
    private volatile bool _closed;

    /// <summary>How many objects are pooled; for tests.</summary>
    public int Count => _count;

    /// <summary>A pooled object, or null when none is left (the caller makes one).</summary>
    public T? Rent()
    {
        if (_trimDue)
        {
            Trim();
        }

        if (_count == 0)
        {
            return null;
        }

        T item = _items[--_count]!;

        // Forgotten, so an object handed out and never given back is not kept alive by the pool.
        _items[_count] = null;
        if (_count < _low)
        {
            _low = _count;
        }

        return item;
    }

    public void Return(T item)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
            if (!_watched)
            {
                _watched = true;
                Gen2GcCallback.Register(s_requestTrim, this);
            }
        }

        _items[_count++] = item;
    }

    /// <summary>Stops the gen2 callbacks: the loop was closed.</summary>
    public void Close() => _closed = true;

    /// <summary>What a gen2 GC does: asks for a trim at the next <see cref="Rent"/>. Any thread; false once closed.</summary>
    public bool RequestTrim()
    {
        if (_closed)
        {
            return false;
        }

        _trimDue = true;
        return true;
    }

    /// <summary>
    /// Drops the objects that stayed pooled over the last two periods between trims, as the runtime's array pool drops
    /// arrays left unused for a while: a pool that bursts keep draining keeps all it has, and one grown by a past burst
    /// shrinks to what is used since. Two periods, not one, so that a gen2 GC in the middle of a burst does not take
    /// away the objects the rest of the burst is about to use.
    /// </summary>
    private void Trim()
    {
        _trimDue = false;
        int keep = _count - Math.Min(_low, _lowBefore);
        _lowBefore = _low - (_count - keep);
        Array.Clear(_items, keep, _count - keep);
        _count = keep;
        _low = keep;

        int length = _items.Length;
        while (length > SmallPool && keep <= length / 4)
        {
            length /= 2;
        }

        if (length < _items.Length)
        {
            Array.Resize(ref _items, length);
        }
    }
}
