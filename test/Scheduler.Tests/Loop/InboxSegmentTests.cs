using System.Reflection;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The ring that posts from other threads go through: places are handed out in order, a full or frozen ring refuses
/// without writing, a slot is free again only once the loop took its item, and a place's item can be found (to cancel
/// it) only while it waits.
/// </summary>
public class InboxSegmentTests
{
    private static WorkItem Item(string name) => new(name, null, null);

    [Fact]
    public void TryAdd_UntilFull_HandsOutPlacesInOrderThenRefuses()
    {
        var segment = new InboxSegment(4, basePosition: 100);

        for (int i = 0; i < 4; i++)
        {
            segment.TryAdd(Item($"item {i}"), out long place).ShouldBeTrue();
            place.ShouldBe(i);
        }

        segment.TryAdd(Item("one too many"), out _).ShouldBeFalse();
        segment.Reserved.ShouldBe(4);
        segment.Base.ShouldBe(100);
    }

    [Fact]
    public void TryTake_FreesTheSlotForTheNextLap_AndItemsComeOutInOrder()
    {
        var segment = new InboxSegment(2, 0);
        segment.TryAdd(Item("a"), out _).ShouldBeTrue();
        segment.TryAdd(Item("b"), out _).ShouldBeTrue();
        segment.TryAdd(Item("c"), out _).ShouldBeFalse();

        segment.TryTake(0, out WorkItem first).ShouldBeTrue();
        first.Callback.ShouldBe("a");
        segment.TryAdd(Item("c"), out long place).ShouldBeTrue();
        place.ShouldBe(2);

        segment.TryTake(1, out WorkItem second).ShouldBeTrue();
        segment.TryTake(2, out WorkItem third).ShouldBeTrue();
        second.Callback.ShouldBe("b");
        third.Callback.ShouldBe("c");
        segment.TryTake(3, out _).ShouldBeFalse();
    }

    [Fact]
    public void Freeze_RefusesLaterPostsAndReportsThePlacesUsed()
    {
        var segment = new InboxSegment(8, 0);
        segment.TryAdd(Item("a"), out _).ShouldBeTrue();
        segment.TryAdd(Item("b"), out _).ShouldBeTrue();

        segment.Freeze().ShouldBe(2);

        segment.IsFrozen.ShouldBeTrue();
        segment.Reserved.ShouldBe(2);
        segment.TryAdd(Item("late"), out _).ShouldBeFalse();
        segment.TryTake(0, out WorkItem first).ShouldBeTrue();
        first.Callback.ShouldBe("a");
    }

    [Fact]
    public void Pending_FindsAnItemOnlyWhileItWaits_NotAfterItsSlotIsReused()
    {
        var segment = new InboxSegment(2, 0);
        segment.TryAdd(Item("a"), out _).ShouldBeTrue();

        segment.Pending(0, out bool waiting).Callback.ShouldBe("a");
        waiting.ShouldBeTrue();
        segment.Pending(1, out bool notPosted);
        notPosted.ShouldBeFalse();

        segment.TryTake(0, out _).ShouldBeTrue();
        segment.TryAdd(Item("b"), out _).ShouldBeTrue();
        segment.TryAdd(Item("c"), out long reused).ShouldBeTrue();
        reused.ShouldBe(2);

        // Place 2 lives in place 0's slot: the old place must not find the new item.
        segment.Pending(0, out bool taken);
        taken.ShouldBeFalse();
        segment.Pending(2, out bool found).Callback.ShouldBe("c");
        found.ShouldBeTrue();
    }

    [Fact]
    public void TryAdd_FourThreadsRacingForPlaces_EveryPlaceOnceAndEachThreadInOrder()
    {
        const int Threads = 4;
        const int Each = 5_000;
        var segment = new InboxSegment(32_768, 0);
        var threads = new Thread[Threads];
        int refused = 0;
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < Each; i++)
                {
                    if (!segment.TryAdd(new WorkItem(thread, i, null), out _))
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join(System.TimeSpan.FromSeconds(30)).ShouldBeTrue();
        }

        refused.ShouldBe(0);
        segment.Reserved.ShouldBe(Threads * Each);
        var next = new int[Threads];
        for (long place = 0; place < Threads * Each; place++)
        {
            segment.TryTake(place, out WorkItem item).ShouldBeTrue();
            int thread = (int)item.Callback;
            ((int)item.State!).ShouldBe(next[thread]++);
        }

        next.ShouldAllBe(count => count == Each);
    }

    [Fact]
    public void Inbox_TakeRightAfterPostersMovedOnToAnEmptyRing_ReadsEmptyThenTakesWhatComes()
    {
        var inbox = new Inbox();
        for (int i = 0; i < 3; i++)
        {
            inbox.Add(Item($"first ring {i}"));
        }

        inbox.Take().ShouldBe(3);
        while (inbox.TryTakeNext(out _))
        {
        }

        // What a poster does on finding its ring full, caught before it posts in the new one.
        var full = (InboxSegment)typeof(Inbox).GetField("_tail", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(inbox)!;
        typeof(Inbox).GetMethod("MoveOn", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(inbox, [full]);

        inbox.Take().ShouldBe(0);
        inbox.HasTaken.ShouldBeFalse();
        inbox.TakenRemaining.ShouldBe(0);

        inbox.TryAdd(Item("new ring"), out long position).ShouldBeTrue();
        position.ShouldBe(3);
        inbox.Take().ShouldBe(1);
        inbox.TryTakeNext(out WorkItem item).ShouldBeTrue();
        item.Callback.ShouldBe("new ring");
        inbox.TryTakeNext(out _).ShouldBeFalse();
        inbox.HasTaken.ShouldBeFalse();
    }

    [Fact]
    public void Inbox_ProducersGrowingItWhileTheReaderTakes_EveryPostIsTakenOnceInEachThreadsOrder() => Guard.Run(() =>
    {
        // The reader takes batches while posters fill rings and move on to larger ones; repeated, so that takes land
        // in every moment of a ring change (a reader left in a finished ring once read as having a batch, forever).
        for (int round = 0; round < 20; round++)
        {
            const int Threads = 4;
            const int Each = 50_000;
            var inbox = new Inbox();
            var threads = new Thread[Threads];
            for (int t = 0; t < Threads; t++)
            {
                int thread = t;
                threads[t] = new Thread(() =>
                {
                    for (int i = 0; i < Each; i++)
                    {
                        inbox.Add(new WorkItem(thread, i, null));
                    }
                });
                threads[t].Start();
            }

            var next = new int[Threads];
            int taken = 0;
            int outOfOrder = 0;
            while (taken < Threads * Each)
            {
                if (inbox.Take() == 0)
                {
                    inbox.Wait(System.TimeSpan.FromMilliseconds(1));
                    continue;
                }

                while (inbox.TryTakeNext(out WorkItem item))
                {
                    int thread = (int)item.Callback;
                    if ((int)item.State! != next[thread]++)
                    {
                        outOfOrder++;
                    }

                    taken++;
                }
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            outOfOrder.ShouldBe(0);
            next.ShouldAllBe(count => count == Each);
            inbox.Take().ShouldBe(0);
            inbox.HasTaken.ShouldBeFalse();
        }
    });
}
