using System.Diagnostics;
using System.Threading;

namespace Scheduler;

/// <summary>
/// A ring of posted items that any thread fills and the loop thread empties, in the order in which the posts reserved
/// their places: Vyukov's bounded queue, as in <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>'s
/// segments, with one reader. A post reserves a place with one compare-and-swap and takes no lock.
/// </summary>
/// <remarks>
/// Every slot carries a sequence number: <c>p</c> while place <c>p</c> is free for a post, <c>p + 1</c> once its item
/// is written, <c>p + Capacity</c> once the loop has taken it (free for the next lap). Places count up without wrapping
/// (a 62-bit count outlasts any process), so a place is also the post's number, which its <see cref="LoopHandle"/>
/// keeps. A full ring, or one that <see cref="Freeze"/> closed, refuses posts; the inbox then moves posters on to a
/// new, larger segment.
/// </remarks>
internal sealed class InboxSegment
{
    /// <summary>Set in <see cref="_tail"/> by <see cref="Freeze"/>: from then on every reservation fails.</summary>
    private const long FrozenBit = 1L << 62;

    private readonly Slot[] _slots;
    private readonly long _mask;

    /// <summary>Places reserved so far, plus <see cref="FrozenBit"/> once frozen. The one field posters write.</summary>
    private long _tail;

    /// <summary>The number of the first post in this segment: the posts made in all the segments before it.</summary>
    public readonly long Base;

    /// <summary>The segment posters moved on to once this one was frozen.</summary>
    public volatile InboxSegment? Next;

    /// <param name="capacity">A power of two, so that a place's slot is its number masked.</param>
    /// <param name="basePosition">The number of the segment's first post.</param>
    public InboxSegment(int capacity, long basePosition)
    {
        Debug.Assert(capacity > 0 && (capacity & (capacity - 1)) == 0, "An inbox segment's capacity must be a power of two.");
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        Base = basePosition;
        for (int i = 0; i < capacity; i++)
        {
            _slots[i].Sequence = i;
        }
    }

    public int Capacity => _slots.Length;

    /// <summary>The number of places reserved, published or not.</summary>
    public long Reserved => Volatile.Read(ref _tail) & ~FrozenBit;

    /// <summary>Whether posts are refused for good: the segment was full and has a successor, or the inbox closed.</summary>
    public bool IsFrozen => (Volatile.Read(ref _tail) & FrozenBit) != 0;

    /// <summary>
    /// Writes <paramref name="item"/> in the next place and returns the place; false, writing nothing, when the ring is
    /// full or frozen. Any thread.
    /// </summary>
    public bool TryAdd(in WorkItem item, out long place)
    {
        Slot[] slots = _slots;
        var spinner = default(SpinWait);
        while (true)
        {
            long tail = Volatile.Read(ref _tail);
            ref Slot slot = ref slots[tail & _mask];
            long lag = Volatile.Read(ref slot.Sequence) - tail;
            if (lag == 0)
            {
                if (Interlocked.CompareExchange(ref _tail, tail + 1, tail) == tail)
                {
                    slot.Item = item;
                    Volatile.Write(ref slot.Sequence, tail + 1);
                    place = tail;
                    return true;
                }
            }
            else if (lag < 0)
            {
                // The slot still holds an item of the last lap (full), or the tail carries the frozen bit.
                place = 0;
                return false;
            }

            // Another poster took the place first: back off a little, as ConcurrentQueue does.
            Backoff(ref spinner);
        }
    }

    /// <summary>Takes the item at <paramref name="place"/> if it is published, and frees its slot. Loop thread only.</summary>
    public bool TryTake(long place, out WorkItem item)
    {
        ref Slot slot = ref _slots[place & _mask];
        if (Volatile.Read(ref slot.Sequence) != place + 1)
        {
            // Reserved, not written yet: its poster is between its two steps.
            item = default;
            return false;
        }

        item = slot.Item;
        slot.Item = default;
        Volatile.Write(ref slot.Sequence, place + _slots.Length);
        return true;
    }

    /// <summary>
    /// The item at <paramref name="place"/> while it waits to be taken, for the loop to read or replace (cancel it).
    /// Returns false if the place is not published or its item was taken. Loop thread only, or while the loop does not run.
    /// </summary>
    public ref WorkItem Pending(long place, out bool found)
    {
        ref Slot slot = ref _slots[place & _mask];
        found = Volatile.Read(ref slot.Sequence) == place + 1;
        return ref slot.Item;
    }

    /// <summary>Refuses every later post; returns the number of places reserved before. Any thread.</summary>
    public long Freeze()
    {
        long tail = Volatile.Read(ref _tail);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref _tail, tail | FrozenBit, tail);
            if (seen == tail)
            {
                return tail & ~FrozenBit;
            }

            tail = seen;
        }
    }

    /// <summary>Drops every item still held, for a closed inbox. Late posters may still write theirs; nobody reads them.</summary>
    public void DropItems()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i].Item = default;
        }
    }

    private static void Backoff(ref SpinWait spinner)
    {
#if NETSTANDARD2_0
        spinner.SpinOnce();
#else
        // Never Thread.Sleep(1): the poster that won is a few instructions from done.
        spinner.SpinOnce(sleep1Threshold: -1);
#endif
    }

    private struct Slot
    {
        public WorkItem Item;
        public long Sequence;
    }
}
