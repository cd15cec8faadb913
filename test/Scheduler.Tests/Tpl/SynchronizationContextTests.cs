using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Tpl;

/// <summary>The loop as a <see cref="SynchronizationContext"/>: installation, Post, Send, awaits and <c>async void</c>.</summary>
public class SynchronizationContextTests
{
    [Fact]
    public void SynchronizationContext_DuringRun_IsCurrentOnLoopThreadAndRemovedAfter() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        SynchronizationContext? during = null;
        test.Loop.CallSoon(() => during = SynchronizationContext.Current);
        SynchronizationContext.Current.ShouldBeNull();

        test.RunUntilIdle();

        during.ShouldBeSameAs(test.Loop.SynchronizationContext);
        SynchronizationContext.Current.ShouldBeNull();
    });

    [Fact]
    public void SynchronizationContext_CustomContextInstalledBeforeRun_IsReplacedDuringRunAndRestoredAfter() => Guard.Run(() =>
    {
        var custom = new SynchronizationContext();
        SynchronizationContext.SetSynchronizationContext(custom);
        using var loop = new LoopTaskScheduler();
        SynchronizationContext? atStart = null;
        SynchronizationContext? afterAwait = null;

        loop.RunUntilComplete(async () =>
        {
            atStart = SynchronizationContext.Current;
            await AsyncIO.Sleep(0);
            afterAwait = SynchronizationContext.Current;
        });

        atStart.ShouldBeSameAs(loop.SynchronizationContext);
        afterAwait.ShouldBeSameAs(loop.SynchronizationContext);
        SynchronizationContext.Current.ShouldBeSameAs(custom);
    });

    [Fact]
    public void SynchronizationContext_RunEndsWithException_PreviousContextStillRestored() => Guard.Run(() =>
    {
        var custom = new SynchronizationContext();
        SynchronizationContext.SetSynchronizationContext(custom);
        using var loop = new LoopTaskScheduler();

        Should.Throw<InvalidOperationException>(() => loop.RunUntilComplete(async () =>
        {
            await AsyncIO.Sleep(0);
            throw new InvalidOperationException("main failed");
        }));

        SynchronizationContext.Current.ShouldBeSameAs(custom);
    });

    [Fact]
    public void SynchronizationContext_TwoLoopsRunInTurnOnOneThread_EachSeesItsOwnAndTheCustomOneComesBack() => Guard.Run(() =>
    {
        var custom = new SynchronizationContext();
        SynchronizationContext.SetSynchronizationContext(custom);
        using var first = new TestLoop();
        using var second = new TestLoop();
        var seen = new List<SynchronizationContext?>();
        first.Loop.CallSoon(() => seen.Add(SynchronizationContext.Current));
        second.Loop.CallSoon(() => seen.Add(SynchronizationContext.Current));

        first.RunUntilIdle();
        SynchronizationContext.Current.ShouldBeSameAs(custom);
        second.RunUntilIdle();

        seen.ShouldBe([first.Loop.SynchronizationContext, second.Loop.SynchronizationContext]);
        SynchronizationContext.Current.ShouldBeSameAs(custom);
    });

    [Fact]
    public void CreateCopy_Always_ReturnsTheSameInstance()
    {
        using var loop = new LoopTaskScheduler();

        loop.SynchronizationContext.CreateCopy().ShouldBeSameAs(loop.SynchronizationContext);
        loop.SynchronizationContext.ShouldBeSameAs(loop.SynchronizationContext);
    }

    [Fact]
    public void Post_FromAnotherThread_RunsOnLoopThreadWithItsState() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var ran = new TaskCompletionSource<(int Thread, object? State)>(TaskCreationOptions.RunContinuationsAsynchronously);
        object state = new();

        thread.Loop.SynchronizationContext.Post(s => ran.SetResult((Environment.CurrentManagedThreadId, s)), state);

        (int ranOn, object? seenState) = ran.Task.GetAwaiter().GetResult();
        ranOn.ShouldBe(thread.ManagedThreadId);
        seenState.ShouldBeSameAs(state);
    });

    [Fact]
    public void Post_OnLoopThread_NeverRunsInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.SynchronizationContext.Post(_ => order.Add("posted"), null);
            order.Add("after Post");
        });

        test.RunUntilIdle();

        order.ShouldBe(["after Post", "posted"]);
    });

    [Fact]
    public void Post_InterleavedWithCallSoon_KeepsOneFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();

        test.Loop.CallSoon(() => order.Add("callback 1"));
        test.Loop.SynchronizationContext.Post(_ => order.Add("post 1"), null);
        test.Loop.CallSoon(() => order.Add("callback 2"));
        test.Loop.CallSoon(() =>
        {
            test.Loop.SynchronizationContext.Post(_ => order.Add("post 2"), null);
            test.Loop.CallSoon(() => order.Add("callback 3"));
        });
        test.RunUntilIdle();

        order.ShouldBe(["callback 1", "post 1", "callback 2", "post 2", "callback 3"]);
    });

    [Fact]
    public void Send_OnLoopThread_RunsInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() => order.Add("queued callback"));
            test.Loop.SynchronizationContext.Send(_ => order.Add("sent"), null);
            order.Add("after Send");
        });

        test.RunUntilIdle();

        order.ShouldBe(["sent", "after Send", "queued callback"]);
    });

    [Fact]
    public void Send_FromAnotherThread_BlocksUntilItRanOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        int ranOn = 0;
        bool finished = false;

        thread.Loop.SynchronizationContext.Send(_ =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            finished = true;
        }, null);

        finished.ShouldBeTrue();
        ranOn.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void Send_FromAnotherThread_RethrowsTheExceptionToTheCallerAndLoopKeepsRunning() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var reported = new List<LoopExceptionContext>();
        thread.Loop.SynchronizationContext.Send(_ => thread.Loop.SetExceptionHandler((_, context) => reported.Add(context)), null);
        var boom = new InvalidOperationException("boom");

        InvalidOperationException caught = Should.Throw<InvalidOperationException>(
            () => thread.Loop.SynchronizationContext.Send(_ => throw boom, null));

        caught.ShouldBeSameAs(boom);
        int ranOn = 0;
        thread.Loop.SynchronizationContext.Send(_ => ranOn = Environment.CurrentManagedThreadId, null);
        ranOn.ShouldBe(thread.ManagedThreadId);
        thread.Loop.SynchronizationContext.Send(_ => reported.ShouldBeEmpty(), null);
    });

    [Fact]
    public void Send_AfterClose_Throws() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        loop.Close();
        bool ran = false;

        Should.Throw<InvalidOperationException>(() => loop.SynchronizationContext.Send(_ => ran = true, null));

        ran.ShouldBeFalse();
    });

    [Fact]
    public void Await_TaskCompletedOnAnotherThread_ResumesOnLoopThread() => Guard.Run(() =>
    {
        int loopThread = Environment.CurrentManagedThreadId;

        (int completedOn, int resumedOn) = AsyncIO.Run(async () =>
        {
            var completion = new TaskCompletionSource<int>();

            // Completed from the pool only after the await below has registered its continuation.
            AsyncIO.GetRunningLoop().CallSoon(() => ThreadPool.QueueUserWorkItem(_ => completion.SetResult(Environment.CurrentManagedThreadId)));
            int completedOn = await completion.Task;
            return (completedOn, Environment.CurrentManagedThreadId);
        });

        completedOn.ShouldNotBe(loopThread);
        resumedOn.ShouldBe(loopThread);
    });

    [Fact]
    public void Await_InTaskStartedOnLoopThread_ResumesOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        (int before, int pool, int after) = new TaskFactory(thread.Loop).StartNew(async () =>
        {
            int before = Environment.CurrentManagedThreadId;
            int pool = await Task.Run(() => Environment.CurrentManagedThreadId);
            return (before, pool, Environment.CurrentManagedThreadId);
        }).Unwrap().GetAwaiter().GetResult();

        before.ShouldBe(thread.ManagedThreadId);
        pool.ShouldNotBe(thread.ManagedThreadId);
        after.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void AsyncVoid_StartedOnLoop_IsCountedUntilItFinishes() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool finished = false;
        async void SleepThenFinish()
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            finished = true;
        }

        test.Loop.CallSoon(SleepThenFinish);
        test.RunUntilIdle();

        test.Loop.PendingOperations.ShouldBe(1);
        finished.ShouldBeFalse();

        test.Advance(TimeSpan.FromSeconds(1));

        finished.ShouldBeTrue();
        test.Loop.PendingOperations.ShouldBe(0);
    });

    [Fact]
    public void AsyncVoid_StillSleepingWhenMainReturns_AsyncIORunWaitsForIt() => Guard.Run(() =>
    {
        bool finished = false;
        int pendingWhenMainReturned = -1;
        async void SleepThenFinish()
        {
            await AsyncIO.Sleep(TimeSpan.FromHours(1));
            finished = true;
        }

        AsyncIO.Run(
            () =>
            {
                SleepThenFinish();
                pendingWhenMainReturned = AsyncIO.GetRunningLoop().PendingOperations;
                return Task.CompletedTask;
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider(), Log = new StringWriter() });

        pendingWhenMainReturned.ShouldBe(1);
        finished.ShouldBeTrue();
    });

    [Fact]
    public void AsyncVoid_ExceptionEscapes_GoesToExceptionHandlerAndLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reported = new List<LoopExceptionContext>();
        test.Loop.SetExceptionHandler((_, context) => reported.Add(context));
        var boom = new InvalidOperationException("boom");
        async void ThrowAfterYield()
        {
            await AsyncIO.Sleep(0);
            throw boom;
        }

        int reportedBeforeMainEnded = test.Loop.RunUntilComplete(async () =>
        {
            ThrowAfterYield();
            for (int i = 0; i < 3; i++)
            {
                await AsyncIO.Sleep(0);
            }

            return reported.Count;
        });

        reportedBeforeMainEnded.ShouldBe(1);
        reported.ShouldHaveSingleItem().Exception.ShouldBeSameAs(boom);
        test.Loop.PendingOperations.ShouldBe(0);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void AsyncVoid_ExceptionEscapesWithDefaultHandler_IsWrittenToLog() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        async void Throw()
        {
            await AsyncIO.Sleep(0);
            throw new InvalidOperationException("async void boom");
        }

        test.Loop.CallSoon(Throw);
        test.RunUntilIdle();

        test.Log.ToString().ShouldContain("async void boom");
    });

    [Fact]
    public void Post_AfterClose_DoesNotThrowAndWritesToLog() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = log });
        loop.Close();
        bool ran = false;

        Should.NotThrow(() => loop.SynchronizationContext.Post(_ => ran = true, null));

        ran.ShouldBeFalse();
        log.ToString().ShouldNotBeNullOrWhiteSpace();
    });

    [Fact]
    public void Post_AfterLoopThreadDisposed_FromAnotherThread_DoesNotThrowAndWritesToLog() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var thread = new LoopThread(new LoopOptions { Log = log });
        thread.Dispose();
        bool ran = false;

        Task post = Task.Run(() => thread.Loop.SynchronizationContext.Post(_ => ran = true, null));

        Should.NotThrow(() => post.GetAwaiter().GetResult());
        ran.ShouldBeFalse();
        log.ToString().ShouldNotBeNullOrWhiteSpace();
    });
}
