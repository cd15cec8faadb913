using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Tpl;

/// <summary><see cref="LoopThread"/>: a loop on a thread of its own that TPL code schedules onto.</summary>
public class LoopThreadTests
{
    [Fact]
    public void TaskFactoryAndContinueWith_FromOutside_AllRunOnTheLoopThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var factory = new TaskFactory(thread.Loop);

        Task<int> started = factory.StartNew(() => Environment.CurrentManagedThreadId);
        Task<int> continued = started.ContinueWith(_ => Environment.CurrentManagedThreadId, thread.Loop);
        Task<int> fromProperty = thread.Factory.StartNew(() => Environment.CurrentManagedThreadId);
        Task<int[]> asyncBody = factory.StartNew(async () =>
        {
            int before = Environment.CurrentManagedThreadId;
            await Task.Run(() => { });
            int after = Environment.CurrentManagedThreadId;
            await AsyncIO.Sleep(0);
            return new[] { before, after, Environment.CurrentManagedThreadId };
        }).Unwrap();

        int[] threads = [
            started.GetAwaiter().GetResult(),
            continued.GetAwaiter().GetResult(),
            fromProperty.GetAwaiter().GetResult(),
            .. asyncBody.GetAwaiter().GetResult()];
        threads.ShouldAllBe(id => id == thread.ManagedThreadId);
        thread.ManagedThreadId.ShouldNotBe(Environment.CurrentManagedThreadId);
    });

    [Fact]
    public void Loop_WhileThreadRuns_IsRunningAndIsTheRunningLoopOnItsThread() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        LoopTaskScheduler running = new TaskFactory(thread.Loop).StartNew(AsyncIO.GetRunningLoop).GetAwaiter().GetResult();

        running.ShouldBeSameAs(thread.Loop);
        thread.Loop.IsRunning.ShouldBeTrue();
        thread.Loop.IsClosed.ShouldBeFalse();
    });

    [Fact]
    public void Dispose_WithWorkQueued_RunsItThenStopsJoinsAndCloses() => Guard.Run(() =>
    {
        var thread = new LoopThread();
        using var loopBlocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Task<Thread> loopThread = new TaskFactory(thread.Loop).StartNew(() => Thread.CurrentThread);
        thread.Loop.CallSoonThreadSafe(() =>
        {
            loopBlocked.Set();
            release.Wait();
        });
        loopBlocked.Wait();
        var ran = new List<int>();
        var factory = new TaskFactory(thread.Loop);
        Task[] queued = Enumerable.Range(0, 100).Select(i => factory.StartNew(() => ran.Add(i))).ToArray();
        ThreadPool.QueueUserWorkItem(_ => release.Set());

        thread.Dispose();

        queued.ShouldAllBe(task => task.Status == TaskStatus.RanToCompletion);
        ran.ShouldBe(Enumerable.Range(0, 100));
        loopThread.Result.IsAlive.ShouldBeFalse();
        thread.Loop.IsRunning.ShouldBeFalse();
        thread.Loop.IsClosed.ShouldBeTrue();
    });

    [Fact]
    public void DisposeAsync_WithWorkQueued_RunsItThenStopsAndCloses() => Guard.Run(() =>
    {
        var thread = new LoopThread();
        using var loopBlocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Task<Thread> loopThread = thread.Factory.StartNew(() => Thread.CurrentThread);
        thread.Loop.CallSoonThreadSafe(() =>
        {
            loopBlocked.Set();
            release.Wait();
        });
        loopBlocked.Wait();
        bool ran = false;
        Task queued = thread.Factory.StartNew(() => ran = true);

        ValueTask disposing = thread.DisposeAsync();
        disposing.IsCompleted.ShouldBeFalse();
        release.Set();
        disposing.AsTask().GetAwaiter().GetResult();

        ran.ShouldBeTrue();
        queued.Status.ShouldBe(TaskStatus.RanToCompletion);
        loopThread.Result.Join(Guard.UnexpectedTimeout).ShouldBeTrue();
        thread.Loop.IsRunning.ShouldBeFalse();
        thread.Loop.IsClosed.ShouldBeTrue();
    });

    [Fact]
    public void Dispose_CalledAgain_IsIdempotent() => Guard.Run(() =>
    {
        var thread = new LoopThread();

        thread.Dispose();

        Should.NotThrow(thread.Dispose);
        Should.NotThrow(() => thread.DisposeAsync().AsTask().GetAwaiter().GetResult());
        thread.Loop.IsClosed.ShouldBeTrue();
    });

    [Fact]
    public void DisposeAsync_CalledAgain_IsIdempotent() => Guard.Run(() =>
    {
        var thread = new LoopThread();

        thread.DisposeAsync().AsTask().GetAwaiter().GetResult();

        Should.NotThrow(() => thread.DisposeAsync().AsTask().GetAwaiter().GetResult());
        Should.NotThrow(thread.Dispose);
        thread.Loop.IsClosed.ShouldBeTrue();
    });

    [Fact]
    public void Dispose_FromTheLoopThreadItself_Throws() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        Exception? error = thread.Factory.StartNew(() => Record(thread.Dispose)).GetAwaiter().GetResult();

        error.ShouldBeOfType<InvalidOperationException>();
        thread.Loop.IsRunning.ShouldBeTrue();
    });

    [Fact]
    public void Name_FromOptions_BecomesTheThreadNameAndTheLoopName() => Guard.Run(() =>
    {
        using var thread = new LoopThread(new LoopOptions { Name = "worker-loop" });

        string? threadName = thread.Factory.StartNew(() => Thread.CurrentThread.Name).GetAwaiter().GetResult();

        threadName.ShouldBe("worker-loop");
        thread.Loop.Name.ShouldBe("worker-loop");
    });

    [Fact]
    public void CallSoonThreadSafe_AfterDispose_Throws() => Guard.Run(() =>
    {
        var thread = new LoopThread(new LoopOptions { Log = new StringWriter() });
        thread.Dispose();

        Should.Throw<InvalidOperationException>(() => thread.Loop.CallSoonThreadSafe(() => { }));
    });

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
