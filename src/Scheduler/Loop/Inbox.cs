using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Scheduler;

/// <summary>
/// The one structure the loop shares with other threads: work posted from off the loop thread, and the wake-up of an
/// idle loop. Posts take no lock: each reserves its place in an <see cref="InboxSegment"/> with one compare-and-swap.
/// </summary>
/// <remarks>
/// <para>Lock-free because posters contend: with a lock, a poster that the OS preempts while it holds the lock stalls
/// every other poster and the loop behind it, and two posters on two cores ran two to four times slower, from one run
/// to the next, than the same posts through a ring. Every post has a number (its place), which is what a
/// <see cref="LoopHandle"/> of a post from another thread keeps, so a post needs no node.</para>
/// <para>A full segment is frozen and posters move on to one twice its size; the loop finishes the frozen one first,
/// so every thread's posts keep their order. Once the ring holds the largest burst, posting allocates nothing.</para>
/// <para>The idle loop announces that it sleeps (<see cref="_sleeping"/>), then looks for reserved places once more;
/// a poster reserves its place, then looks at the announcement. Both steps are full fences, so one of the two sees the
/// other: the loop does not sleep, or the poster wakes it. The one poster that takes the announcement back releases
/// the <see cref="WakeGate"/>, after publishing its item.</para>
/// </remarks>
internal sealed class Inbox : IIdleWait
{
    /// <summary>The first segment's places: small, as most loops see few posts from other threads.</summary>
    private const int InitialCapacity = 256;

    /// <summary>The most places one segment grows to; a loop further behind gets more segments of this size.</summary>
    private const int MaxCapacity = 1 << 20;

    /// <summary>
    /// How long (in <see cref="Thread.SpinWait"/> units) the loop lets posts build up when it has caught up with busy
    /// posters: a longer pause lets each take of the inbox carry more posts (W3; the measurements are in BENCHMARKS.md).
    /// </summary>
    private const int BurstPause = 30;

    /// <summary>Where posters reserve places. Replaced, under <see cref="_growLock"/>, when it is full.</summary>
    private volatile InboxSegment _tail;

    /// <summary>Taken only to grow or close: a post never takes it while its segment has room.</summary>
    private readonly object _growLock = new();

    private volatile bool _closed;

    /// <summary>1 while the loop sleeps, or is about to, and nobody has woken it yet.</summary>
    private int _sleeping;

    /// <summary>1 after a wake-up that found the loop awake: it keeps the next wait from sleeping.</summary>
    private int _signaled;

    /// <summary>Work the loop started elsewhere (executor, <c>ToThread</c>) that will post back.</summary>
    private int _external;

    private readonly WakeGate _wake = new();

    /// <summary>The loop's side: where it reads, and the batch it took. Its own object, off the lines posters write.</summary>
    private readonly Reader _reader;

    public Inbox()
    {
        _tail = new InboxSegment(InitialCapacity, 0);
        _reader = new Reader(_tail);
    }

    /// <summary>
    /// Adds <paramref name="item"/> and wakes the loop if it sleeps; returns false, adding nothing, once the inbox is
    /// closed. <paramref name="position"/> is the post's number, for its handle. Any thread.
    /// </summary>
    public bool TryAdd(in WorkItem item, out long position)
    {
        while (true)
        {
            InboxSegment segment = _tail;
            if (segment.TryAdd(in item, out long place))
            {
                position = segment.Base + place;

                // After the reservation (a full fence): the loop either saw it, or announced its sleep before it.
                if (Volatile.Read(ref _sleeping) != 0)
                {
                    WakeSleeper();
                }

                return true;
            }

            if (!MoveOn(segment))
            {
                position = 0;
                return false;
            }
        }
    }

    /// <summary>Adds <paramref name="item"/>; returns false if the inbox is closed. Any thread.</summary>
    public bool Add(in WorkItem item) => TryAdd(in item, out _);

    /// <summary>Freezes a full <paramref name="segment"/> and links a larger one; false once the inbox is closed.</summary>
    private bool MoveOn(InboxSegment segment)
    {
        lock (_growLock)
        {
            if (_closed)
            {
                return false;
            }

            // Another poster may have moved on already; a racing loop may have freed places since: grow all the same.
            if (ReferenceEquals(_tail, segment))
            {
                long used = segment.Freeze();
                var next = new InboxSegment(Math.Min(segment.Capacity * 2, MaxCapacity), segment.Base + used);
                segment.Next = next;
                _tail = next;
            }

            return true;
        }
    }

    /// <summary>Releases the gate if the caller is the one to take back the loop's announcement that it sleeps.</summary>
    private void WakeSleeper()
    {
        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            _wake.Release();
        }
    }

    /// <summary>Wakes the loop, or keeps its next wait from sleeping. Any thread.</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            _wake.Release();
            return;
        }

        // Awake, or about to sleep: the signal, then one more look (both full fences, as a post's two steps).
        Interlocked.Exchange(ref _signaled, 1);
        if (Volatile.Read(ref _sleeping) != 0)
        {
            WakeSleeper();
        }
    }

    /// <summary>
    /// Takes every item posted so far, across segments, as the next batch, to run in posting order; returns how many it
    /// holds. A batch not finished (an exception escaped the loop) is handed out again first. Loop thread only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Take()
    {
        // Asked every iteration, and most find nothing: the batch is through, the reader is in the posters' current
        // segment, and nothing more is reserved there.
        Reader reader = _reader;
        InboxSegment current = reader.Segment;
        if (ReferenceEquals(current, reader.LastSegment) && reader.Next == reader.LastEnd
            && ReferenceEquals(current, _tail) && current.Reserved == reader.Next)
        {
            return 0;
        }

        return TakeBatch();
    }

    private int TakeBatch()
    {
        Reader reader = _reader;
        if (!HasTaken)
        {
            // The segments before the posters' current one are frozen: their ends are final.
            InboxSegment last = _tail;
            if (!ReferenceEquals(reader.Segment, last))
            {
                // Leave the segments already finished, so that an empty batch reads empty (a reader left behind in a
                // finished segment, with the batch ending in a later one, would count as having items).
                while (reader.Segment.IsFrozen && reader.Next >= reader.Segment.Reserved && reader.Segment.Next is { } newer)
                {
                    reader.Segment = newer;
                    reader.Next = 0;
                }
            }

            // Written only when it changes: a reference store costs a GC write barrier, and this runs every iteration.
            if (!ReferenceEquals(reader.LastSegment, last))
            {
                reader.LastSegment = last;
            }

            long end = last.Reserved;
            reader.LastEnd = end;
            if (ReferenceEquals(last, reader.Segment) && end == reader.Next)
            {
                return 0;
            }
        }

        return (int)Math.Min(TakenRemaining, int.MaxValue);
    }

    /// <summary>
    /// The next item of the batch; false once the batch is through. A place reserved but not written yet ends the batch
    /// there: it and what follows come in the next one. Loop thread only.
    /// </summary>
    public bool TryTakeNext(out WorkItem item)
    {
        Reader reader = _reader;
        while (true)
        {
            InboxSegment segment = reader.Segment;
            long next = reader.Next;
            if (ReferenceEquals(segment, reader.LastSegment))
            {
                if (next >= reader.LastEnd)
                {
                    item = default;
                    return false;
                }
            }
            else if (next >= segment.Reserved)
            {
                // Done with a frozen segment: on to the next (and let the collector have this one).
                reader.Segment = segment.Next!;
                reader.Next = 0;
                continue;
            }

            if (!segment.TryTake(next, out item))
            {
                reader.LastSegment = segment;
                reader.LastEnd = next;
                return false;
            }

            reader.Next = next + 1;
            return true;
        }
    }

    /// <summary>Whether the batch has items left to hand out. Loop thread only.</summary>
    public bool HasTaken => ReferenceEquals(_reader.Segment, _reader.LastSegment)
        ? _reader.Next < _reader.LastEnd
        : TakenRemaining > 0;

    /// <summary>How many items the batch has left (a best guess off the loop thread).</summary>
    public long TakenRemaining
    {
        get
        {
            Reader reader = _reader;
            InboxSegment? segment = reader.Segment;
            InboxSegment last = reader.LastSegment;
            long remaining = -reader.Next;
            while (segment is not null && !ReferenceEquals(segment, last))
            {
                remaining += segment.Reserved;
                segment = segment.Next;
            }

            return Math.Max(remaining + reader.LastEnd, 0);
        }
    }

    /// <summary>The number of the item <see cref="TryTakeNext"/> handed out last, for its handle.</summary>
    public long LastTaken => _reader.Segment.Base + _reader.Next - 1;

    /// <summary>
    /// The item posted as number <paramref name="position"/> while it waits to run, for the loop to read or replace;
    /// <paramref name="found"/> is false once it was taken. Loop thread only, or while the loop does not run.
    /// </summary>
    public ref WorkItem Pending(long position, out bool found)
    {
        Reader reader = _reader;
        for (InboxSegment? segment = reader.Segment; segment is not null; segment = segment.Next)
        {
            long place = position - segment.Base;
            if (place < 0 || (ReferenceEquals(segment, reader.Segment) && place < reader.Next))
            {
                break;
            }

            if (place < segment.Reserved)
            {
                return ref segment.Pending(place, out found);
            }
        }

        found = false;
        return ref _reader.None;
    }

    /// <summary>
    /// Sleeps until a post, a <see cref="Wake"/>, or <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for
    /// none). Returns at once when work or a wake-up is already there. Loop thread only.
    /// </summary>
    public void Wait(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _signaled, 0) != 0 || HasTaken)
        {
            return;
        }

        if (HasReserved())
        {
            // Posters are ahead of the loop, or one is between its two steps: there is work, or there will be in a
            // moment. Not at once, though: every look reads the line the posters' compare-and-swap needs, and pulls it
            // away from them; with two posters the loop came back here thousands of times per 50,000 posts and slowed
            // them by a third. A pause of about a microsecond lets a burst build up and be taken as one batch.
            Thread.SpinWait(BurstPause);
            return;
        }

        // The announcement, then one more look (both full fences; see the remarks).
        Interlocked.Exchange(ref _sleeping, 1);
        if (HasReserved() || Volatile.Read(ref _signaled) != 0)
        {
            TakeBackAnnouncement();
            return;
        }

        if (!_wake.Wait(timeout))
        {
            // Timed out. A poster may have taken the announcement back just now, its release on the way.
            TakeBackAnnouncement();
        }
    }

    /// <summary>
    /// Withdraws the announcement that the loop sleeps. If a poster withdrew it first, its release is on the way: wait
    /// for it, so that it does not cut the next sleep short.
    /// </summary>
    private void TakeBackAnnouncement()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 0)
        {
            while (!_wake.Wait(Timeout.InfiniteTimeSpan))
            {
            }
        }
    }

    /// <summary>Whether a place is reserved that the loop has not taken. Loop thread only.</summary>
    private bool HasReserved()
    {
        Reader reader = _reader;
        InboxSegment segment = reader.Segment;
        return segment.Reserved > reader.Next || segment.Next is not null;
    }

    /// <summary>
    /// True when nothing is posted, no wake-up is pending and no external work is outstanding: the state in which an
    /// auto-advancing clock may jump. Loop thread only.
    /// </summary>
    public bool IsIdle() =>
        // External work posts its completion before it uncounts itself: read the count first, so a zero means its post shows.
        Volatile.Read(ref _external) == 0 && Volatile.Read(ref _signaled) == 0 && !HasTaken && !HasReserved();

    /// <summary>Counts work started off the loop that will post its completion back.</summary>
    public void BeginExternal() => Interlocked.Increment(ref _external);

    /// <summary>Uncounts it; called after the completion has been posted, so the loop never looks idle in between.</summary>
    public void EndExternal()
    {
        Interlocked.Decrement(ref _external);

        // Also when the loop is not asleep yet: it may have seen the work running a moment ago and be about to sleep.
        Wake();
    }

    /// <summary>The number of external operations still running.</summary>
    public int ExternalCount => Volatile.Read(ref _external);

    /// <summary>Refuses later posts and drops what is queued. While the loop does not run.</summary>
    public void Close()
    {
        InboxSegment last;
        lock (_growLock)
        {
            _closed = true;
            last = _tail;
            last.Freeze();
        }

        Reader reader = _reader;
        for (InboxSegment? segment = reader.Segment; segment is not null; segment = segment.Next)
        {
            segment.DropItems();
        }

        reader.Segment = last;
        reader.Next = last.Reserved;
        reader.LastSegment = last;
        reader.LastEnd = reader.Next;
    }

    /// <summary>Copies the posted items for diagnostics; off the loop thread a snapshot that may be partial.</summary>
    public void CopyTo(List<WorkItem> destination)
    {
        Reader reader = _reader;
        InboxSegment? segment = reader.Segment;
        long place = reader.Next;
        while (segment is not null)
        {
            for (long end = segment.Reserved; place < end; place++)
            {
                WorkItem item = segment.Pending(place, out bool found);
                if (found && item.Callback is not null)
                {
                    destination.Add(item);
                }
            }

            segment = segment.Next;
            place = 0;
        }
    }

    /// <summary>The loop's reading position. Written for every item, so kept apart from what posters read.</summary>
    private sealed class Reader(InboxSegment segment)
    {
        public InboxSegment Segment = segment;

        /// <summary>The next place to take in <see cref="Segment"/>.</summary>
        public long Next;

        /// <summary>The segment the current batch ends in.</summary>
        public InboxSegment LastSegment = segment;

        /// <summary>Where the current batch ends in <see cref="LastSegment"/> (exclusive).</summary>
        public long LastEnd;

        /// <summary>What <see cref="Pending"/> returns a reference to when it finds nothing.</summary>
        public WorkItem None;
    }
}
