using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The handle of a callback posted from another thread (or before the loop runs) is the post's number in the inbox:
/// it must cancel its own callback wherever it waits (in the first ring or in one the inbox grew into), and never a
/// later callback that reuses its slot.
/// </summary>
public class PostedHandleTests
{
    [Fact]
    public void CallSoonThreadSafe_ThousandsPostedBeforeTheLoopRuns_CancelledOnesAnywhereNeverRunAndTheRestKeepOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<int>();
        var handles = OtherThread.Run(() =>
        {
            var posted = new LoopHandle[3_000];
            for (int i = 0; i < posted.Length; i++)
            {
                posted[i] = test.Loop.CallSoonThreadSafe(state => ran.Add((int)state!), i);
            }

            return posted;
        });

        // The first ring, a grown one and the very last post.
        int[] victims = [0, 10, 255, 256, 1_000, 2_999];
        foreach (int victim in victims)
        {
            handles[victim].Cancel();
            handles[victim].IsCancelled.ShouldBeTrue();
        }

        handles[11].IsCancelled.ShouldBeFalse();
        test.RunUntilIdle();

        var expected = new List<int>();
        for (int i = 0; i < handles.Length; i++)
        {
            if (Array.IndexOf(victims, i) < 0)
            {
                expected.Add(i);
            }
        }

        ran.ShouldBe(expected);
        handles[10].ToString().ShouldBe("<LoopHandle done>");
    });

    [Fact]
    public void CallSoonThreadSafe_SpentHandle_NeverCancelsALaterPostInTheSameSlot() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<int>();
        LoopHandle first = OtherThread.Run(() => test.Loop.CallSoonThreadSafe(state => ran.Add((int)state!), 0));
        test.RunUntilIdle();

        // Enough later posts that the ring wraps and place 0's slot holds another callback.
        OtherThread.Run(() =>
        {
            for (int i = 1; i <= 300; i++)
            {
                test.Loop.CallSoonThreadSafe(state => ran.Add((int)state!), i);
            }

            return 0;
        });
        first.Cancel();
        first.IsCancelled.ShouldBeFalse();
        test.RunUntilIdle();

        ran.Count.ShouldBe(301);
        ran[^1].ShouldBe(300);
    });

    [Fact]
    public void CallSoonThreadSafe_PostedCallbackThrows_ExceptionContextCarriesTheHandleItWasGiven() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var failure = new InvalidOperationException("posted callback failed");
        LoopExceptionContext? seen = null;
        test.Loop.SetExceptionHandler((_, context) => seen = context);
        LoopHandle handle = OtherThread.Run(() =>
        {
            test.Loop.CallSoonThreadSafe(() => { });
            return test.Loop.CallSoonThreadSafe(() => throw failure);
        });

        test.RunUntilIdle();

        seen.ShouldNotBeNull();
        seen.Exception.ShouldBeSameAs(failure);
        seen.Handle.ShouldBe(handle);
    });

    [Fact]
    public void CallSoonThreadSafe_Handles_AreEqualOnlyToThemselvesAndNotToOnLoopHandles() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopHandle a = OtherThread.Run(() => test.Loop.CallSoonThreadSafe(() => { }));
        LoopHandle b = OtherThread.Run(() => test.Loop.CallSoonThreadSafe(() => { }));
        LoopHandle queued = default;
        test.Loop.CallSoon(() => queued = test.Loop.CallSoon(() => { }));
        test.RunUntilIdle();

        a.ShouldBe(a);
        a.ShouldNotBe(b);
        a.ShouldNotBe(queued);
        b.ShouldNotBe(queued);
    });
}
