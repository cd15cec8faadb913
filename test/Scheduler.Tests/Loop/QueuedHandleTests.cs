using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The handle of a callback scheduled on the loop thread is its place in the ready queue, not a node: cancelling it,
/// reading it, and telling it from other handles must still behave as asyncio's <c>Handle</c> does while it is pending,
/// and a spent handle must never reach another callback, also when the queue's ring wraps or grows.
/// </summary>
public class QueuedHandleTests
{
    [Fact]
    public void CallSoonOnTheLoop_Cancelled_NeverRunsAndReadsCancelledUntilSkipped() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        var states = new List<(bool Cancelled, string Text)>();
        LoopHandle victim = default;
        test.Loop.CallSoon(() =>
        {
            victim = test.Loop.CallSoon(() => ran.Add("victim"));
            test.Loop.CallSoon(() => ran.Add("kept"));
            states.Add((victim.IsCancelled, victim.ToString()));
            victim.Cancel();
            states.Add((victim.IsCancelled, victim.ToString()));
            victim.Cancel();
        });

        test.RunUntilIdle();

        ran.ShouldBe(["kept"]);
        states[0].Cancelled.ShouldBeFalse();
        states[0].Text.ShouldContain("CallSoonOnTheLoop_Cancelled_NeverRuns");
        states[1].Cancelled.ShouldBeTrue();
        states[1].Text.ShouldBe("<LoopHandle cancelled>");

        // Spent once the loop skipped it: the documented difference from asyncio.
        victim.IsCancelled.ShouldBeFalse();
        victim.ToString().ShouldBe("<LoopHandle done>");
    });

    [Fact]
    public void CallSoonOnTheLoop_StateOverloadCancelledByAnEarlierCallbackOfTheSameIteration_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<object?>();
        test.Loop.CallSoon(() =>
        {
            LoopHandle victim = default;
            test.Loop.CallSoon(() => victim.Cancel());
            victim = test.Loop.CallSoon(state => ran.Add(state), "victim");
            test.Loop.CallSoon(state => ran.Add(state), "after");
        });

        test.RunUntilIdle();

        ran.ShouldBe(["after"]);
    });

    [Fact]
    public void CallSoonOnTheLoop_SpentHandle_NeverCancelsALaterCallbackInTheSameSlot() => Guard.Run(() =>
    {
        // 64 slots to start with: 1,000 rounds reuse every slot many times, and a burst of 5,000 makes the ring grow.
        using var test = new TestLoop();
        var spent = new List<LoopHandle>();
        int ran = 0;
        int rounds = 0;
        void Round()
        {
            foreach (LoopHandle old in spent)
            {
                old.Cancel();
                old.IsCancelled.ShouldBeFalse();
            }

            spent.Add(test.Loop.CallSoon(() => ran++));
            if (++rounds == 500)
            {
                for (int i = 0; i < 5000; i++)
                {
                    spent.Add(test.Loop.CallSoon(() => ran++));
                }
            }

            if (rounds < 1000)
            {
                test.Loop.CallSoon(Round);
            }
        }

        test.Loop.CallSoon(Round);
        test.RunUntilIdle();

        ran.ShouldBe(1000 + 5000);
    });

    [Fact]
    public void CallSoonOnTheLoop_Handles_AreEqualOnlyToThemselves() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopHandle first = default;
        LoopHandle second = default;
        test.Loop.CallSoon(() =>
        {
            first = test.Loop.CallSoon(() => { });
            second = test.Loop.CallSoon(() => { });
        });

        test.RunUntilIdle();

        first.ShouldBe(first);
        first.ShouldNotBe(second);
        (first == second).ShouldBeFalse();
        first.GetHashCode().ShouldNotBe(second.GetHashCode());
        first.ShouldNotBe(default);
    });

    [Fact]
    public void CallSoonOnTheLoop_CallbackThrows_ExceptionContextCarriesItsHandle() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var failure = new InvalidOperationException("callback failed");
        LoopExceptionContext? seen = null;
        LoopHandle handle = default;
        test.Loop.SetExceptionHandler((_, context) => seen = context);
        test.Loop.CallSoon(() => handle = test.Loop.CallSoon(() => throw failure));

        test.RunUntilIdle();

        seen.ShouldNotBeNull();
        seen.Exception.ShouldBeSameAs(failure);
        seen.Handle.ShouldBe(handle);
        seen.Message.ShouldContain("Exception in callback");
    });

    [Fact]
    public void CallSoonOnTheLoop_CancelFromAnotherThreadWhileRunning_ThrowsAndTheCallbackStillRuns() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var queued = new System.Threading.Tasks.TaskCompletionSource<LoopHandle>();
        var ran = new System.Threading.Tasks.TaskCompletionSource<bool>(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new System.Threading.ManualResetEventSlim();
        thread.Loop.CallSoonThreadSafe(() =>
        {
            queued.SetResult(thread.Loop.CallSoon(() => ran.SetResult(true)));

            // Holds the loop, so the callback is still queued when the other thread tries to cancel it.
            release.Wait(TimeSpan.FromSeconds(10));
        });

        LoopHandle handle = queued.Task.GetAwaiter().GetResult();
        var error = Should.Throw<InvalidOperationException>(handle.Cancel);
        release.Set();

        error.Message.ShouldContain("CallSoonThreadSafe");
        ran.Task.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
    });
}
