using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Tpl;

/// <summary>The loop as a TPL <see cref="TaskScheduler"/>: StartNew, Start, ContinueWith, inlining, closed loops.</summary>
public class TaskSchedulerTests
{
    [Fact]
    public void TaskFactoryStartNew_FromAnotherThread_RunsOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        int ranOn = new TaskFactory(thread.Loop).StartNew(() => Environment.CurrentManagedThreadId).GetAwaiter().GetResult();

        ranOn.ShouldBe(thread.ManagedThreadId);
        ranOn.ShouldNotBe(Environment.CurrentManagedThreadId);
    });

    [Fact]
    public void TaskStart_WithLoop_RunsOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var task = new Task<int>(() => Environment.CurrentManagedThreadId);

        task.Start(thread.Loop);

        task.GetAwaiter().GetResult().ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void ContinueWith_OnLoop_RunsOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        Task<int> antecedent = Task.Run(() => Environment.CurrentManagedThreadId);

        Task<(int Antecedent, int Continuation)> continuation = antecedent.ContinueWith(
            done => (done.Result, Environment.CurrentManagedThreadId),
            thread.Loop);

        (int antecedentThread, int continuationThread) = continuation.GetAwaiter().GetResult();
        antecedentThread.ShouldNotBe(thread.ManagedThreadId);
        continuationThread.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void TaskFactoryStartNew_InterleavedWithCallSoonBeforeRun_RunsInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        var factory = new TaskFactory(test.Loop);

        test.Loop.CallSoon(() => order.Add("callback 1"));
        factory.StartNew(() => order.Add("task 1"));
        test.Loop.CallSoon(() => order.Add("callback 2"));
        new Task(() => order.Add("task 2")).Start(test.Loop);
        test.Loop.CallSoon(() => order.Add("callback 3"));
        test.RunUntilIdle();

        order.ShouldBe(["callback 1", "task 1", "callback 2", "task 2", "callback 3"]);
    });

    [Fact]
    public void TaskFactoryAndContinueWith_QueuedFromLoopThread_RunInFifoWithCallSoonInNextIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() => order.Add("callback 1"));
            new TaskFactory(test.Loop).StartNew(() => order.Add("task"));
            Task.CompletedTask.ContinueWith(_ => order.Add("continuation"), test.Loop);
            test.Loop.CallSoon(() => order.Add("callback 2"));
            order.Add("queued");
        });

        test.RunUntilIdle();

        order.ShouldBe(["queued", "callback 1", "task", "continuation", "callback 2"]);
    });

    [Fact]
    public void TaskSchedulerCurrent_InsideTasksTheLoopRuns_IsTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<TaskScheduler> started = new TaskFactory(test.Loop).StartNew(() => TaskScheduler.Current);
        Task<TaskScheduler> continued = started.ContinueWith(_ => TaskScheduler.Current, test.Loop);
        var manual = new Task<TaskScheduler>(() => TaskScheduler.Current);
        manual.Start(test.Loop);

        test.RunUntilIdle();

        started.IsCompletedSuccessfully.ShouldBeTrue();
        started.Result.ShouldBeSameAs(test.Loop);
        continued.Result.ShouldBeSameAs(test.Loop);
        manual.Result.ShouldBeSameAs(test.Loop);
    });

    [Fact]
    public void RunSynchronously_OnLoopThread_RunsInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int loopThread = Environment.CurrentManagedThreadId;
        var order = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() => order.Add("queued callback"));
            var task = new Task(() => order.Add($"task on loop thread: {Environment.CurrentManagedThreadId == loopThread}"));
            task.RunSynchronously(test.Loop);
            order.Add($"after RunSynchronously: {task.Status}");
        });

        test.RunUntilIdle();

        order.ShouldBe(["task on loop thread: True", "after RunSynchronously: RanToCompletion", "queued callback"]);
    });

    [Fact]
    public void Wait_OnQueuedTaskFromLoopThread_RunsItInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CallSoon(() =>
        {
            test.Loop.CallSoon(() => order.Add("queued callback"));
            Task task = new TaskFactory(test.Loop).StartNew(() => order.Add("task"));
            order.Add($"queued: {task.Status}");

            // Without inlining this would wait for the loop it blocks: the guard would fail the test.
            task.Wait();
            order.Add("after Wait");
        });

        test.RunUntilIdle();

        order.ShouldBe(["queued: WaitingToRun", "task", "after Wait", "queued callback"]);
    });

    [Fact]
    public void RunSynchronously_FromAnotherThread_IsNotInlinedButRunsOnLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        int ranOn = 0;
        var task = new Task(() => ranOn = Environment.CurrentManagedThreadId);

        task.RunSynchronously(thread.Loop);

        task.Status.ShouldBe(TaskStatus.RanToCompletion);
        ranOn.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void Wait_FromAnotherThreadOnQueuedTask_IsNotInlined() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        using var loopBlocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        thread.Loop.CallSoonThreadSafe(() =>
        {
            loopBlocked.Set();
            release.Wait();
        });
        loopBlocked.Wait();
        Task<int> task = new TaskFactory(thread.Loop).StartNew(() => Environment.CurrentManagedThreadId);
        ThreadPool.QueueUserWorkItem(_ => release.Set());

        // The task is still queued behind the blocked callback when Wait tries to inline it here.
        task.Wait();

        task.Result.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void MaximumConcurrencyLevel_Always_IsOne()
    {
        using var loop = new LoopTaskScheduler();

        loop.MaximumConcurrencyLevel.ShouldBe(1);
    }

    [Fact]
    public void TaskStart_OnClosedLoop_ThrowsAndFaultsTheTask() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler();
        loop.Close();
        bool ran = false;
        var task = new Task(() => ran = true);

        TaskSchedulerException error = Should.Throw<TaskSchedulerException>(() => task.Start(loop));

        error.InnerException.ShouldBeOfType<InvalidOperationException>();
        task.IsFaulted.ShouldBeTrue();
        ran.ShouldBeFalse();
    });

    [Fact]
    public void TaskFactoryStartNew_OnClosedLoop_Throws() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler();
        loop.Close();

        TaskSchedulerException error = Should.Throw<TaskSchedulerException>(() => new TaskFactory(loop).StartNew(() => { }));

        error.InnerException.ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void ContinueWith_OnClosedLoop_FaultsTheContinuationInsteadOfStrandingIt() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler();
        loop.Close();
        var antecedent = new TaskCompletionSource();
        bool ran = false;
        Task continuation = antecedent.Task.ContinueWith(_ => ran = true, loop);

        antecedent.SetResult();

        continuation.IsFaulted.ShouldBeTrue();
        continuation.Exception!.InnerException.ShouldBeOfType<TaskSchedulerException>()
            .InnerException.ShouldBeOfType<InvalidOperationException>();
        ran.ShouldBeFalse();
    });

    [Fact]
    public void TaskFactoryStartNew_OnDisposedLoopThread_Throws() => Guard.Run(() =>
    {
        var thread = new LoopThread();
        thread.Dispose();

        Should.Throw<TaskSchedulerException>(() => new TaskFactory(thread.Loop).StartNew(() => { }));
    });
}
