using System;
using System.Collections.Generic;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// A callback runs in the <see cref="ExecutionContext"/> captured when it was scheduled, as asyncio runs a
/// callback in the context copied at <c>call_soon</c>; what it changes stays inside it.
/// </summary>
public class ExecutionContextTests
{
    private static readonly AsyncLocal<string?> s_local = new();

    [Fact]
    public void CallSoon_AsyncLocalSetBefore_SeenByTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        string? seen = "unset";
        s_local.Value = "before CallSoon";
        test.Loop.CallSoon(() => seen = s_local.Value);
        s_local.Value = null;

        test.RunUntilIdle();

        seen.ShouldBe("before CallSoon");
    });

    [Fact]
    public void CallSoon_StateOverload_AsyncLocalSetBefore_SeenByTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = "state overload";
        test.Loop.CallSoon(_ => seen.Add(s_local.Value), null);
        s_local.Value = null;

        test.RunUntilIdle();

        seen.ShouldBe(["state overload"]);
    });

    [Fact]
    public void CallSoon_ValueChangedAfterScheduling_CallbackSeesTheValueAtSchedulingTime() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = "one";
        test.Loop.CallSoon(() => seen.Add(s_local.Value));
        s_local.Value = "two";
        test.Loop.CallSoon(() => seen.Add(s_local.Value));
        s_local.Value = "three";

        test.RunUntilIdle();

        seen.ShouldBe(["one", "two"]);
    });

    [Fact]
    public void CallLater_AsyncLocalSetBefore_SeenByTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = "before CallLater";
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => seen.Add(s_local.Value));
        s_local.Value = "before CallAt";
        test.Loop.CallAt(test.Loop.Time() + TimeSpan.FromSeconds(2), _ => seen.Add(s_local.Value), null);
        s_local.Value = null;

        test.Advance(TimeSpan.FromSeconds(2));

        seen.ShouldBe(["before CallLater", "before CallAt"]);
    });

    [Fact]
    public void CallSoonThreadSafe_AsyncLocalSetOnThePostingThread_SeenByTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = "loop thread's own value";
        OtherThread.Run(() =>
        {
            s_local.Value = "set on the posting thread";
            test.Loop.CallSoonThreadSafe(() => seen.Add(s_local.Value));
            return 0;
        });

        test.RunUntilIdle();

        seen.ShouldBe(["set on the posting thread"]);
    });

    [Fact]
    public void CallSoon_ValueSetInsideCallback_DoesNotLeakIntoTheNextCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = null;
        test.Loop.CallSoon(() => s_local.Value = "set inside the first callback");
        test.Loop.CallSoon(() => seen.Add(s_local.Value));
        test.Loop.CallLater(TimeSpan.Zero, () => seen.Add(s_local.Value));
        OtherThread.Run(() => test.Loop.CallSoonThreadSafe(() => seen.Add(s_local.Value)));

        test.RunUntilIdle();

        seen.ShouldBe([null, null, null]);
    });

    [Fact]
    public void CallSoon_ValueSetInsideCallback_DoesNotLeakOutOfTheRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        s_local.Value = "the running thread's value";
        test.Loop.CallSoon(() => s_local.Value = "set inside a callback");
        test.Loop.CallLater(TimeSpan.Zero, () => s_local.Value = "set inside a timer");

        test.RunUntilIdle();

        s_local.Value.ShouldBe("the running thread's value");
    });

    [Fact]
    public void CallSoon_ScheduledFromInsideACallback_SeesThatCallbacksValue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = null;
        test.Loop.CallSoon(() =>
        {
            s_local.Value = "inner";
            test.Loop.CallSoon(() => seen.Add(s_local.Value));
        });

        test.RunUntilIdle();

        seen.ShouldBe(["inner"]);
    });

    [Fact]
    public void CallSoon_ScheduledWithFlowSuppressed_ValueSetInsideDoesNotLeakIntoTheNextCallback() => Guard.Run(() =>
    {
        // No context is captured under SuppressFlow. The callback must still not change the context of what runs
        // after it (the thread pool resets a work item's changes the same way).
        using var test = new TestLoop();
        var seen = new List<string?>();
        s_local.Value = null;
        using (ExecutionContext.SuppressFlow())
        {
            test.Loop.CallSoon(() => s_local.Value = "set with flow suppressed");
            test.Loop.CallSoon(() => seen.Add(s_local.Value));
        }

        test.RunUntilIdle();

        seen.ShouldBe([null]);
        s_local.Value.ShouldBeNull();
    });

    [Fact]
    public void ScheduledOnTheLoopThread_ValueOrContextChangedInsideACallback_DoesNotReachTheNextOne() => Guard.Run(() =>
    {
        // Work scheduled on the loop thread with nothing flowing runs without an ExecutionContext switch: what it
        // changes is undone after it, before the next item (callback, post or task) runs.
        using var test = new TestLoop();
        var seen = new List<(string Kind, string? Value, bool LoopContext)>();
        void Record(string kind) => seen.Add((kind, s_local.Value, SynchronizationContext.Current == test.Loop.SynchronizationContext));
        s_local.Value = null;
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() =>
            {
                s_local.Value = "set inside a callback";
                SynchronizationContext.SetSynchronizationContext(new SynchronizationContext());
            });
            test.Loop.CallSoon(() => Record("callback"));
            SynchronizationContext.Current!.Post(_ =>
            {
                s_local.Value = "set inside a post";
                SynchronizationContext.SetSynchronizationContext(null);
            }, null);
            SynchronizationContext.Current!.Post(_ => Record("post"), null);
            test.Loop.CallSoon(() => Record("callback after the post"));
        });

        test.RunUntilIdle();

        seen.ShouldBe([("callback", null, true), ("post", null, true), ("callback after the post", null, true)]);
    });

    [Fact]
    public void ThreadContexts_OnThisRuntime_AreReadThroughTheLoopThread()
    {
        // The loop's fast path reads the thread's context fields; if a runtime renamed them it would fall back silently.
        ThreadContexts.Available.ShouldBeTrue();
    }
}
