using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>task.AddDoneCallback</c>, as asyncio's <c>add_done_callback</c>.</summary>
public class DoneCallbackTests
{
    [Fact]
    public void AddDoneCallback_CompletedTask_ScheduledOnTheLoopNeverInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var log = new List<string>();
        Task done = Task.FromResult(1);
        Task? received = null;
        test.Loop.CallSoon(() =>
        {
            done.AddDoneCallback(t =>
            {
                received = t;
                log.Add("done callback");
            });
            log.Add("added");
            test.Loop.CallSoon(() => log.Add("next CallSoon"));
        });

        test.RunUntilIdle();

        log.ShouldBe(["added", "done callback", "next CallSoon"]);
        received.ShouldBeSameAs(done);
    });

    [Fact]
    public void AddDoneCallback_PendingLoopTask_RunsOnTheLoopAfterItEndsWithTheTask() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> task = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            return 1;
        });
        Task? received = null;
        int threadId = 0;
        task.AddDoneCallback(t =>
        {
            received = t;
            threadId = Environment.CurrentManagedThreadId;
        });

        test.RunUntilIdle();
        received.ShouldBeNull();

        test.Advance(TimeSpan.FromSeconds(1));
        received.ShouldBeSameAs(task);
        threadId.ShouldBe(Environment.CurrentManagedThreadId); // TestLoop runs on the test's (guarded) thread
    });

    [Fact]
    public void AddDoneCallback_CancelledTask_StillCalled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromSeconds(10)).AsTask());
        var statuses = new List<TaskStatus>();
        task.AddDoneCallback(t => statuses.Add(t.Status));
        test.RunUntilIdle();

        task.Cancel();
        test.RunUntilIdle();

        statuses.ShouldBe([TaskStatus.Canceled]);
    });

    [Fact]
    public void AddDoneCallback_TaskCompletedOnAnotherThread_CallbackRunsOnTheLoopThread() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                int loopThread = Environment.CurrentManagedThreadId;
                var source = new TaskCompletionSource<int>();
                var called = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                source.Task.AddDoneCallback(_ => called.SetResult(Environment.CurrentManagedThreadId));

                var completer = new Thread(() => source.SetResult(1)) { IsBackground = true };
                completer.Start();

                (await called.Task).ShouldBe(loopThread);
                completer.Join();
            },
            Options());
    });

    [Fact]
    public void AddDoneCallback_CallbackThrows_GoesToTheExceptionHandlerAndLoopGoesOn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var contexts = new List<LoopExceptionContext>();
        test.Loop.SetExceptionHandler((_, context) => contexts.Add(context));
        var thrown = new InvalidOperationException("callback failed");
        Task<int> task = test.Loop.CreateTask(() => Task.FromResult(1));
        task.AddDoneCallback(_ => throw thrown);
        bool later = false;
        task.AddDoneCallback(_ => later = true);

        test.RunUntilIdle();

        contexts.Count.ShouldBe(1);
        contexts[0].Exception.ShouldBeSameAs(thrown);
        contexts[0].Task.ShouldBeSameAs(task);
        later.ShouldBeTrue();
    });
}
