using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The loop's timer heap (4-ary, keys in its entries, cancelled timers remembered by sequence number until they reach
/// the top or a rebuild): timers come out in (when, scheduling) order, cancelled ones never come out, and the pending
/// count stays exact, also for a timer cancelled after it left the heap but before the loop ran it.
/// </summary>
public class TimerHeapTests
{
    private static long s_sequence;

    private static TimerNode Timer(long when) => new() { When = when, Sequence = ++s_sequence };

    [Fact]
    public void TryPopDue_ThousandsOfRandomTimers_ComeOutInWhenThenSchedulingOrder()
    {
        var heap = new TimerHeap();
        var random = new Random(11);
        var timers = new List<TimerNode>();
        for (int i = 0; i < 5_000; i++)
        {
            TimerNode timer = Timer(random.Next(0, 300));
            timers.Add(timer);
            heap.Push(timer);
        }

        heap.Count.ShouldBe(5_000);
        heap.TryPeekWhen(out long first).ShouldBeTrue();
        heap.TryPopDue(first - 1, out _).ShouldBeFalse();

        var popped = new List<TimerNode>();
        while (heap.TryPopDue(long.MaxValue, out TimerNode timer))
        {
            popped.Add(timer);
        }

        timers.Sort((a, b) => a.When != b.When ? a.When.CompareTo(b.When) : a.Sequence.CompareTo(b.Sequence));
        popped.ShouldBe(timers);
        heap.TryPeekWhen(out _).ShouldBeFalse();
    }

    [Fact]
    public void Remove_CancelledTimers_NeverComeOutAndAreNotCounted()
    {
        var heap = new TimerHeap();
        TimerNode early = Timer(10);
        TimerNode middle = Timer(20);
        TimerNode late = Timer(30);
        heap.Push(late);
        heap.Push(early);
        heap.Push(middle);

        heap.Remove(early).ShouldBeTrue();
        heap.Remove(early).ShouldBeFalse();

        heap.Count.ShouldBe(2);
        heap.TryPeekWhen(out long when).ShouldBeTrue();
        when.ShouldBe(20);
        heap.TryPopDue(100, out TimerNode first).ShouldBeTrue();
        first.ShouldBeSameAs(middle);
        heap.TryPopDue(100, out TimerNode second).ShouldBeTrue();
        second.ShouldBeSameAs(late);
        heap.TryPopDue(100, out _).ShouldBeFalse();
        heap.HasEntries.ShouldBeFalse();
    }

    [Fact]
    public void ForgetCancelled_ATimerCancelledAfterItWasTakenOut_LeavesTheCountExact()
    {
        var heap = new TimerHeap();
        TimerNode taken = Timer(10);
        TimerNode pending = Timer(50);
        heap.Push(taken);
        heap.Push(pending);
        heap.TryPopDue(10, out TimerNode popped).ShouldBeTrue();
        popped.ShouldBeSameAs(taken);

        // Not marked out of the heap until the loop runs it: a cancel in between counts it as stale...
        heap.Remove(taken).ShouldBeTrue();
        heap.Count.ShouldBe(0);

        // ...until the loop skips it.
        heap.ForgetCancelled(taken);
        heap.Count.ShouldBe(1);
        heap.TryPopDue(50, out TimerNode last).ShouldBeTrue();
        last.ShouldBeSameAs(pending);
    }

    [Fact]
    public void CancelMostTimers_HeapRebuildsWithoutThem_AndTheRestRunInOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var random = new Random(7);
        var ran = new List<int>();
        var handles = new List<(int Id, LoopTimerHandle Handle)>();
        for (int i = 0; i < 1000; i++)
        {
            int id = i;
            handles.Add((id, test.Loop.CallLater(TimeSpan.FromMilliseconds(random.Next(0, 500)), () => ran.Add(id))));
        }

        // Cancel 900 of them, enough to make the heap rebuild itself more than once.
        var kept = new List<(int Id, LoopTimerHandle Handle)>();
        foreach ((int id, LoopTimerHandle handle) in handles)
        {
            if (id % 10 == 0)
            {
                kept.Add((id, handle));
            }
            else
            {
                handle.Cancel();
            }
        }

        test.Loop.TimerCount.ShouldBe(100);
        test.Advance(TimeSpan.FromSeconds(1));

        kept.Sort((a, b) => a.Handle.When != b.Handle.When ? a.Handle.When.CompareTo(b.Handle.When) : a.Id.CompareTo(b.Id));
        ran.ShouldBe(kept.ConvertAll(k => k.Id));
        test.Loop.TimerCount.ShouldBe(0);
    });

    [Fact]
    public void TimersDueTogether_OneCancelsALaterOneOfTheSameIteration_ItNeverRunsAndTheCountStaysExact() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopTimerHandle victim = default;
        test.Loop.CallLater(TimeSpan.FromMilliseconds(10), () =>
        {
            ran.Add("canceller");
            victim.Cancel();
        });
        victim = test.Loop.CallLater(TimeSpan.FromMilliseconds(20), () => ran.Add("victim"));
        test.Loop.CallLater(TimeSpan.FromMilliseconds(30), () => ran.Add("after"));
        test.Loop.CallLater(TimeSpan.FromMilliseconds(500), () => ran.Add("later"));

        // All three fall due in one iteration: the victim has left the heap when it is cancelled.
        test.Advance(TimeSpan.FromMilliseconds(100));

        ran.ShouldBe(["canceller", "after"]);
        victim.IsCancelled.ShouldBeTrue();
        test.Loop.TimerCount.ShouldBe(1);
        test.Advance(TimeSpan.FromSeconds(1));
        ran.ShouldBe(["canceller", "after", "later"]);
        test.Loop.TimerCount.ShouldBe(0);
    });
}
