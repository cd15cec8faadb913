using System;
using System.Collections.Generic;
using System.Linq;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class CallSoonTests
{
    [Fact]
    public void CallSoon_ManyCallbacks_RunInFifoOrderOnLoopThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int loopThread = Environment.CurrentManagedThreadId;
        var ran = new List<int>();
        var threads = new List<int>();
        for (int i = 0; i < 1000; i++)
        {
            int n = i;
            test.Loop.CallSoon(() =>
            {
                ran.Add(n);
                threads.Add(Environment.CurrentManagedThreadId);
            });
        }

        test.RunUntilIdle();

        ran.ShouldBe(Enumerable.Range(0, 1000));
        threads.ShouldAllBe(id => id == loopThread);
    });

    [Fact]
    public void CallSoon_BeforeAnyRun_RunsNothingUntilTheLoopRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();

        test.Loop.CallSoon(() => ran.Add("a"));
        ran.ShouldBeEmpty();

        test.RunUntilIdle();
        ran.ShouldBe(["a"]);
    });

    [Fact]
    public void CallSoon_FromInsideCallback_NeverRunsInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() => ran.Add("inner"));
            ran.Add("after CallSoon returned");
        });

        test.RunUntilIdle();

        ran.ShouldBe(["after CallSoon returned", "inner"]);
    });

    [Fact]
    public void CallSoon_FromInsideCallback_RunsInNextIteration() => Guard.Run(() =>
    {
        // asyncio's _run_once: exactly the callbacks ready when the iteration began run in it. Stop() ends the
        // run after the current iteration, which makes the iteration boundary visible.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("a");
            loop.CallSoon(() => ran.Add("a2"));
            loop.Stop();
        });
        loop.CallSoon(() =>
        {
            ran.Add("b");
            loop.CallSoon(() => ran.Add("b2"));
        });
        loop.CallSoon(() => ran.Add("c"));

        loop.RunForever();
        ran.ShouldBe(["a", "b", "c"]);

        loop.Stop();
        loop.RunForever();
        ran.ShouldBe(["a", "b", "c", "a2", "b2"]);
    });

    [Fact]
    public void CallSoon_ScheduledDuringIteration_RunsAfterEverythingAlreadyQueued() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallSoon(() =>
        {
            ran.Add("a");
            test.Loop.CallSoon(() => ran.Add("a2"));
        });
        test.Loop.CallSoon(() => ran.Add("b"));
        test.Loop.CallSoon(() => ran.Add("c"));

        test.RunUntilIdle();

        ran.ShouldBe(["a", "b", "c", "a2"]);
    });

    [Fact]
    public void CallSoon_ChainsThatWrapTheQueue_KeepSchedulingOrder() => Guard.Run(() =>
    {
        // Each callback schedules one or two more, so the ready queue's head wraps and the queue grows mid-wrap;
        // ids are handed out in scheduling order, so FIFO means they run in increasing order.
        using var test = new TestLoop();
        const int Total = 5000;
        var ran = new List<int>();
        int next = 0;
        void Schedule()
        {
            int id = next++;
            test.Loop.CallSoon(() =>
            {
                ran.Add(id);
                int more = id % 7 == 0 ? 2 : 1;
                for (int i = 0; i < more && next < Total; i++)
                {
                    Schedule();
                }
            });
        }

        for (int i = 0; i < 50; i++)
        {
            Schedule();
        }

        test.RunUntilIdle();

        ran.ShouldBe(Enumerable.Range(0, Total));
    });

    [Fact]
    public void CallSoon_StateOverload_PassesStateInFifoWithPlainOverload() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<object?>();
        test.Loop.CallSoon(state => ran.Add(state), "one");
        test.Loop.CallSoon(() => ran.Add("two"));
        test.Loop.CallSoon(state => ran.Add(state), null);
        test.Loop.CallSoon(state => ran.Add(state), 4);

        test.RunUntilIdle();

        ran.ShouldBe(["one", "two", null, 4]);
    });

    [Fact]
    public void CallSoon_CancelledBeforeItRuns_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopHandle handle = test.Loop.CallSoon(() => ran.Add("cancelled"));
        test.Loop.CallSoon(() => ran.Add("kept"));
        handle.IsCancelled.ShouldBeFalse();

        handle.Cancel();
        handle.IsCancelled.ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBe(["kept"]);

        // Spent once the loop skipped it (see LoopHandle's remarks): remembering every cancel would cost memory.
        handle.IsCancelled.ShouldBeFalse();
    });

    [Fact]
    public void CallSoon_StateOverloadCancelled_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<object?>();
        LoopHandle handle = test.Loop.CallSoon(state => ran.Add(state), "cancelled");

        handle.Cancel();
        handle.IsCancelled.ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeEmpty();
    });

    [Fact]
    public void CallSoon_CancelledByEarlierCallbackOfSameIteration_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopHandle victim = default;
        test.Loop.CallSoon(() =>
        {
            ran.Add("canceller");
            victim.Cancel();
            ran.Add($"cancelled: {victim.IsCancelled}");
        });
        victim = test.Loop.CallSoon(() => ran.Add("victim"));
        test.Loop.CallSoon(() => ran.Add("after"));

        test.RunUntilIdle();

        ran.ShouldBe(["canceller", "cancelled: True", "after"]);
    });

    [Fact]
    public void CallSoon_CancelTwice_IsHarmless() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        LoopHandle handle = test.Loop.CallSoon(() => ran = true);

        handle.Cancel();
        handle.Cancel();
        handle.IsCancelled.ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeFalse();
        handle.Cancel();
    });

    [Fact]
    public void LoopHandle_AfterCallbackRan_CancelDoesNotTouchALaterCallback() => Guard.Run(() =>
    {
        // Nodes are pooled: the next CallSoon may reuse the node of the one that ran. A stale handle must not
        // cancel it, nor read as cancelled.
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopHandle first = test.Loop.CallSoon(() => ran.Add("first"));
        test.RunUntilIdle();

        LoopHandle second = test.Loop.CallSoon(() => ran.Add("second"));
        first.Cancel();
        test.RunUntilIdle();

        ran.ShouldBe(["first", "second"]);
        first.IsCancelled.ShouldBeFalse();
        second.IsCancelled.ShouldBeFalse();
        first.ShouldNotBe(second);
    });

    [Fact]
    public void LoopHandle_Default_CancelDoesNothing()
    {
        LoopHandle handle = default;

        handle.Cancel();

        handle.IsCancelled.ShouldBeFalse();
    }

    [Fact]
    public void CallSoon_CallbackCancelsHandleOfCallbackQueuedInNextIteration_ThatOneNeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallSoon(() =>
        {
            LoopHandle later = test.Loop.CallSoon(() => ran.Add("later"));
            ran.Add("scheduler");
            later.Cancel();
        });

        test.RunUntilIdle();

        ran.ShouldBe(["scheduler"]);
    });
}
