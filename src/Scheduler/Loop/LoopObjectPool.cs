using System;
using System.Diagnostics;

namespace Scheduler;

/// <summary>
/// A loop's stock of reusable objects (sleeps, completion hooks): it grows to the most ever out at once, so even a burst
/// allocates nothing once it has been seen, and gen2 collections trim what a past burst left unused.
/// </summary>
/// <remarks>
/// <para><see cref="Rent"/> hands out the pooled object made first, not the one given back last. Objects made in a burst
/// lie in memory in the order they were made, and a burst of rents then walks memory forwards, which the processor
/// prefetches; handing back the last returned (a stack) walked it in the order the last burst ended, which for
/// 100,000 sleeps of random lengths is random, and scheduling a sleep cost three times as much, nearly all of it cache
/// misses. So each object has a number in the order it was made, and a bitmap of the numbers pooled (with a summary
/// of its non-empty words) finds the lowest in a few steps.</para>
/// <para>An object handed out is not referenced by the pool: one never given back is collected, and only its number
/// is lost. <see cref="Rent"/>, <see cref="Adopt"/> and <see cref="Return"/> are for the loop thread only;
/// <see cref="RequestTrim"/> comes from the finalizer thread. A fixed cap would not do: a workload with more out at once
/// than the cap (100,000 sleeps pending) allocated the difference again on every round, and the GC copied it around.</para>
/// </remarks>
/// <typeparam name="T">What is pooled.</typeparam>
internal sealed class LoopObjectPool<T>
    where T : class, IPoolable
{
    /// <summary>Pools up to this size never ask to be trimmed: a gen2 callback is not worth it for them.</summary>
    private const int SmallPool = 16;

    private static readonly Func<object, bool> s_requestTrim = static pool => ((LoopObjectPool<T>)pool).RequestTrim();

    /// <summary>The pooled objects by number; null for one handed out, or a number given up by a trim.</summary>
    private T?[] _items = new T?[SmallPool];

    /// <summary>The numbers handed out so far (the table's used length).</summary>
    private int _size;

    /// <summary>Bit <c>n</c>: object number <c>n</c> is pooled.</summary>
    private ulong[] _pooled = new ulong[1];

    /// <summary>Bit <c>w</c>: word <c>w</c> of <see cref="_pooled"/> is not zero.</summary>
    private ulong[] _summary = new ulong[1];

    /// <summary>No summary word below this one has a bit set.</summary>
    private int _lowestSummary;

    /// <summary>Numbers a trim gave up, below objects still out: the next objects made take them.</summary>
    private int[] _vacant = [];
    private int _vacantCount;

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

    /// <summary>The pooled object made first, or null when none is left (the caller makes one and <see cref="Adopt"/>s it).</summary>
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

        int summary = _lowestSummary;
        while (_summary[summary] == 0)
        {
            summary++;
        }

        _lowestSummary = summary;
        int word = (summary << 6) + Bits.TrailingZeroCount(_summary[summary]);
        ulong bits = _pooled[word];
        int number = (word << 6) + Bits.TrailingZeroCount(bits);
        bits &= bits - 1;
        _pooled[word] = bits;
        if (bits == 0)
        {
            _summary[summary] &= ~(1UL << (word & 63));
        }

        T item = _items[number]!;

        // Forgotten, so an object handed out and never given back is not kept alive by the pool.
        _items[number] = null;
        if (--_count < _low)
        {
            _low = _count;
        }

        return item;
    }

    /// <summary>Numbers an object just made, as handed out; returns it. Made in order, numbered in order.</summary>
    public T Adopt(T item)
    {
        Debug.Assert(item.PoolNumber < 0, "Adopt is for objects just made.");
        if (_vacantCount > 0)
        {
            item.PoolNumber = _vacant[--_vacantCount];
            return item;
        }

        if (_size == _items.Length)
        {
            Grow();
        }

        item.PoolNumber = _size++;
        return item;
    }

    public void Return(T item)
    {
        if (item.PoolNumber < 0)
        {
            Adopt(item);
        }

        int number = item.PoolNumber;
        int word = number >> 6;
        Debug.Assert((_pooled[word] & (1UL << (number & 63))) == 0, "An object was given back twice.");
        if (_pooled[word] == 0)
        {
            int summary = word >> 6;
            _summary[summary] |= 1UL << (word & 63);
            if (summary < _lowestSummary)
            {
                _lowestSummary = summary;
            }
        }

        _pooled[word] |= 1UL << (number & 63);
        _items[number] = item;
        _count++;
    }

    /// <summary>
    /// Lets go of an object handed out that will never come back (a cancelled timer's node, which its handle keeps):
    /// its number goes to a later object, so numbers are not lost. Nothing for an object the pool never numbered.
    /// </summary>
    public void Abandon(T item)
    {
        if (item.PoolNumber >= 0)
        {
            Vacate(item.PoolNumber);
            item.PoolNumber = -1;
        }
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

    private void Grow()
    {
        int length = _items.Length * 2;
        Array.Resize(ref _items, length);
        Array.Resize(ref _pooled, (length + 63) >> 6);
        Array.Resize(ref _summary, (_pooled.Length + 63) >> 6);
        if (!_watched && length > SmallPool)
        {
            _watched = true;
            Gen2GcCallback.Register(s_requestTrim, this);
        }
    }

    /// <summary>
    /// Drops the objects that stayed pooled over the last two periods between trims, as the runtime's array pool drops
    /// arrays left unused for a while: a pool that bursts keep draining keeps all it has, and one grown by a past burst
    /// shrinks to what is used since. Two periods, not one, so that a gen2 GC in the middle of a burst does not take
    /// away the objects the rest of the burst is about to use. The highest numbers go first, so the rest stay together.
    /// </summary>
    private void Trim()
    {
        _trimDue = false;
        int drop = Math.Min(_low, _lowBefore);
        _lowBefore = _low - drop;
        for (int word = (_size - 1) >> 6; drop > 0 && word >= 0; word--)
        {
            while (drop > 0 && _pooled[word] != 0)
            {
                int number = (word << 6) + 63 - Bits.LeadingZeroCount(_pooled[word]);
                _pooled[word] &= ~(1UL << (number & 63));
                _items[number] = null;
                Vacate(number);
                drop--;
                _count--;
            }

            if (_pooled[word] == 0)
            {
                _summary[word >> 6] &= ~(1UL << (word & 63));
            }
        }

        _low = _count;
    }

    /// <summary>Gives up <paramref name="number"/>: the table shrinks if it was the last, else a later object takes it.</summary>
    private void Vacate(int number)
    {
        if (number == _size - 1)
        {
            _size--;
            return;
        }

        if (_vacantCount == _vacant.Length)
        {
            Array.Resize(ref _vacant, Math.Max(16, _vacant.Length * 2));
        }

        _vacant[_vacantCount++] = number;
    }
}
