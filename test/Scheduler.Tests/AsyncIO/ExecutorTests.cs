using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>RunInExecutor</c>, <c>ToThread</c> and <c>RunCoroutineThreadSafe</c>: work that crosses threads.</summary>
public class ExecutorTests
{
    [Fact]
    public void RunInExecutor_DefaultExecutor_RunsOnAnotherThreadAndResumesOnTheLoop() => Guard.Run(() =>
    {
        int loopThread = Environment.CurrentManagedThreadId;

        (int ranOn, bool onPool, int resumedOn) = AsyncIO.Run(async () =>
        {
            (int, bool) ran = await AsyncIO.GetRunningLoop().RunInExecutor(
                null,
                () => (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
            return (ran.Item1, ran.Item2, Environment.CurrentManagedThreadId);
        });

        ranOn.ShouldNotBe(loopThread);
        onPool.ShouldBeTrue();
        resumedOn.ShouldBe(loopThread);
    });

    [Fact]
    public void RunInExecutor_Action_RunsOffTheLoopAndResumesOnIt() => Guard.Run(() =>
    {
        int loopThread = Environment.CurrentManagedThreadId;
        int ranOn = 0;

        int resumedOn = AsyncIO.Run(async () =>
        {
            await AsyncIO.GetRunningLoop().RunInExecutor(null, () => ranOn = Environment.CurrentManagedThreadId);
            return Environment.CurrentManagedThreadId;
        });

        ranOn.ShouldNotBe(loopThread);
        ranOn.ShouldNotBe(0);
        resumedOn.ShouldBe(loopThread);
    });

    [Fact]
    public void RunInExecutor_CustomTaskScheduler_RunsOnItAndResumesOnTheLoop() => Guard.Run(() =>
    {
        using var executor = new LoopThread(new LoopOptions { Name = "custom executor" });
        int loopThread = Environment.CurrentManagedThreadId;

        (string? ranOnName, int ranOn, int resumedOn) = AsyncIO.Run(async () =>
        {
            (string?, int) ran = await AsyncIO.GetRunningLoop().RunInExecutor(
                executor.Loop,
                () => (Thread.CurrentThread.Name, Environment.CurrentManagedThreadId));
            return (ran.Item1, ran.Item2, Environment.CurrentManagedThreadId);
        });

        ranOnName.ShouldBe("custom executor");
        ranOn.ShouldBe(executor.ManagedThreadId);
        resumedOn.ShouldBe(loopThread);
    });

    [Fact]
    public void RunInExecutor_FunctionThrows_ExceptionPropagatesToTheAwaiter() => Guard.Run(() =>
    {
        var boom = new InvalidOperationException("executor failed");
        int loopThread = Environment.CurrentManagedThreadId;

        (Exception? caught, int caughtOn) = AsyncIO.Run(async () =>
        {
            try
            {
                await AsyncIO.GetRunningLoop().RunInExecutor<int>(null, () => throw boom);
                return (null, 0);
            }
            catch (Exception exception)
            {
                return ((Exception?)exception, Environment.CurrentManagedThreadId);
            }
        });

        caught.ShouldBeSameAs(boom);
        caughtOn.ShouldBe(loopThread);
    });

    [Fact]
    public void RunInExecutor_ActionThrowsOnCustomExecutor_ExceptionPropagatesToTheAwaiter() => Guard.Run(() =>
    {
        using var executor = new LoopThread();
        var boom = new FormatException("executor failed");

        Exception caught = Should.Throw<Exception>(() => AsyncIO.Run(
            () => AsyncIO.GetRunningLoop().RunInExecutor(executor.Loop, () => throw boom)));

        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void RunInExecutor_FromAnotherThreadWhileTheLoopRuns_Throws() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        Should.Throw<InvalidOperationException>(() => thread.Loop.RunInExecutor(null, () => 1));
    });

    [Fact]
    public void RunInExecutor_OnClosedLoop_Throws() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        loop.Close();

        Should.Throw<InvalidOperationException>(() => loop.RunInExecutor(null, () => 1));
    });

    [Fact]
    public void ToThread_OnALoop_RunsOnThePoolAndResumesOnTheLoop() => Guard.Run(() =>
    {
        int loopThread = Environment.CurrentManagedThreadId;
        bool actionOnPool = false;

        (bool funcOnPool, int resumedAfterFunc, int resumedAfterAction) = AsyncIO.Run(async () =>
        {
            bool funcOnPool = await AsyncIO.ToThread(() => Thread.CurrentThread.IsThreadPoolThread);
            int afterFunc = Environment.CurrentManagedThreadId;
            await AsyncIO.ToThread(() => actionOnPool = Thread.CurrentThread.IsThreadPoolThread);
            return (funcOnPool, afterFunc, Environment.CurrentManagedThreadId);
        });

        funcOnPool.ShouldBeTrue();
        actionOnPool.ShouldBeTrue();
        resumedAfterFunc.ShouldBe(loopThread);
        resumedAfterAction.ShouldBe(loopThread);
    });

    [Fact]
    public void ToThread_OnALoop_FlowsTheExecutionContext() => Guard.Run(() =>
    {
        var local = new AsyncLocal<string>();

        string? seen = AsyncIO.Run(async () =>
        {
            local.Value = "from the loop";
            return await AsyncIO.ToThread(() => local.Value);
        });

        seen.ShouldBe("from the loop");
    });

    [Fact]
    public void ToThread_OnALoopFunctionThrows_ExceptionPropagates() => Guard.Run(() =>
    {
        var boom = new InvalidOperationException("to_thread failed");

        Exception caught = Should.Throw<Exception>(() => AsyncIO.Run(() => AsyncIO.ToThread<int>(() => throw boom)));

        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void ToThread_OffALoop_RunsOnThePoolWithTheExecutionContext() => Guard.Run(() =>
    {
        var local = new AsyncLocal<string> { Value = "caller" };
        bool actionRan = false;

        (bool onPool, string? seen) = AsyncIO.ToThread(() => (Thread.CurrentThread.IsThreadPoolThread, local.Value)).GetAwaiter().GetResult();
        AsyncIO.ToThread(() => actionRan = true).GetAwaiter().GetResult();

        onPool.ShouldBeTrue();
        seen.ShouldBe("caller");
        actionRan.ShouldBeTrue();
    });

    [Fact]
    public void ToThread_Null_ThrowsArgumentNullException()
    {
        Should.Throw<ArgumentNullException>(() => AsyncIO.ToThread((Func<int>)null!));
        Should.Throw<ArgumentNullException>(() => AsyncIO.ToThread((Action)null!));
    }

    [Fact]
    public void RunCoroutineThreadSafe_FromAnotherThread_RunsOnTheLoopAndReturnsTheResult() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        Task<(int, LoopTaskScheduler, bool)> future = AsyncIO.RunCoroutineThreadSafe(async () =>
        {
            int before = Environment.CurrentManagedThreadId;
            await AsyncIO.Sleep(0);
            return (before, AsyncIO.GetRunningLoop(), AsyncIO.CurrentTask() is not null);
        }, thread.Loop);
        (int ranOn, LoopTaskScheduler loop, bool inTask) = future.GetAwaiter().GetResult();

        ranOn.ShouldBe(thread.ManagedThreadId);
        loop.ShouldBeSameAs(thread.Loop);
        inTask.ShouldBeTrue();
    });

    [Fact]
    public void RunCoroutineThreadSafe_BodyThrows_ExceptionReachesTheCaller() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        var boom = new InvalidOperationException("coroutine failed");

        Task<int> future = AsyncIO.RunCoroutineThreadSafe<int>(async () =>
        {
            await AsyncIO.Sleep(0);
            throw boom;
        }, thread.Loop);

        Exception caught = Should.Throw<Exception>(() => future.GetAwaiter().GetResult());
        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void RunCoroutineThreadSafe_CancelledFromAnotherThread_CancelsTheLoopTask() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        using var sleeping = new ManualResetEventSlim();
        bool cancelledInside = false;

        Task<int> future = AsyncIO.RunCoroutineThreadSafe(async () =>
        {
            try
            {
                Task sleep = AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask();
                sleeping.Set();
                await sleep;
                return 1;
            }
            catch (OperationCanceledException)
            {
                cancelledInside = true;
                throw;
            }
        }, thread.Loop);
        sleeping.Wait();

        future.Cancel().ShouldBeTrue();

        Should.Throw<OperationCanceledException>(() => future.GetAwaiter().GetResult());
        future.IsCanceled.ShouldBeTrue();
        thread.Loop.SynchronizationContext.Send(_ => cancelledInside.ShouldBeTrue(), null);
    });

    [Fact]
    public void RunCoroutineThreadSafe_OnClosedLoop_Throws() => Guard.Run(() =>
    {
        var thread = new LoopThread();
        thread.Dispose();

        Should.Throw<InvalidOperationException>(() => AsyncIO.RunCoroutineThreadSafe(() => Task.FromResult(1), thread.Loop));
    });
}
