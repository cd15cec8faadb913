using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Tpl;

/// <summary>
/// <c>TaskScheduler.Current</c> is the loop in everything the loop runs, before and after an <c>await</c>: legacy code
/// that calls <c>Task.Factory.StartNew</c> or <c>ContinueWith</c> without a scheduler stays on the loop.
/// </summary>
public class CurrentSchedulerTests
{
    [Fact]
    public void Run_MainBeforeAndAfterAwaits_CurrentSchedulerIsTheLoop() => Guard.Run(() =>
    {
        var seen = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            bool before = ReferenceEquals(TaskScheduler.Current, loop);
            await AsyncIO.Sleep(0.001);
            bool afterSleep = ReferenceEquals(TaskScheduler.Current, loop);
            await Task.Delay(1);
            bool afterDelay = ReferenceEquals(TaskScheduler.Current, loop);
            await Task.Yield();
            bool afterYield = ReferenceEquals(TaskScheduler.Current, loop);
            return (before, afterSleep, afterDelay, afterYield);
        });

        seen.ShouldBe((true, true, true, true));
    });

    [Fact]
    public void CreateTask_BodyAfterAwait_CurrentSchedulerIsTheLoop() => Guard.Run(() =>
    {
        bool seen = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            return await loop.CreateTask(async () =>
            {
                await Task.Delay(1);
                return ReferenceEquals(TaskScheduler.Current, loop);
            });
        });

        seen.ShouldBeTrue();
    });

    [Fact]
    public void TaskFactoryStartNew_AsyncBodyAfterAwait_CurrentSchedulerIsTheLoop() => Guard.Run(() =>
    {
        using var thread = new LoopThread();
        Task<bool> started = new TaskFactory(thread.Loop).StartNew(async () =>
        {
            await Task.Delay(1);
            return ReferenceEquals(TaskScheduler.Current, thread.Loop);
        }).Unwrap();

        started.GetAwaiter().GetResult().ShouldBeTrue();
    });

    [Fact]
    public void StartNewAndContinueWith_WithoutScheduler_AfterAwait_RunOnTheLoopThread() => Guard.Run(() =>
    {
        (int loopThread, int startNew, int continueWith) = AsyncIO.Run(async () =>
        {
            int loopThread = Environment.CurrentManagedThreadId;
            await Task.Delay(1);
            Task<int> startNew = Task.Factory.StartNew(() => Environment.CurrentManagedThreadId);
            await Task.Delay(1);
            Task<int> continueWith = Task.CompletedTask.ContinueWith(_ => Environment.CurrentManagedThreadId);
            return (loopThread, await startNew, await continueWith);
        });

        startNew.ShouldBe(loopThread);
        continueWith.ShouldBe(loopThread);
    });

    [Fact]
    public void AwaitOfATaskThatCompletesOnTheLoopThread_ResumesInline_WhereTheRuntimeClearsTheCurrentScheduler() => Guard.Run(() =>
    {
        // Pinned as docs/task-factory.md says: the one place TaskScheduler.Current is not the loop. The runtime runs
        // such a continuation inline, inside the completion, and clears the current task for it.
        (bool inHelper, bool afterHelper, bool afterNextSuspension) = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            bool inHelper = await HelperAsync(loop);
            bool afterHelper = ReferenceEquals(TaskScheduler.Current, loop);
            await AsyncIO.Sleep(0.001);
            return (inHelper, afterHelper, ReferenceEquals(TaskScheduler.Current, loop));
        });

        inHelper.ShouldBeTrue();
        afterHelper.ShouldBeFalse();
        afterNextSuspension.ShouldBeTrue();
    });

    private static async Task<bool> HelperAsync(LoopTaskScheduler loop)
    {
        await AsyncIO.Sleep(0.001);
        return ReferenceEquals(TaskScheduler.Current, loop);
    }

    [Fact]
    public void CallSoon_Callback_CurrentSchedulerIsTheLoopAndCurrentTaskIsNone() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool? isLoop = null;
        Task? current = Task.CompletedTask;
        test.Loop.CallSoon(() =>
        {
            isLoop = ReferenceEquals(TaskScheduler.Current, test.Loop);
            current = AsyncIO.CurrentTask();
        });

        test.RunUntilIdle();

        isLoop.ShouldBe(true);
        current.ShouldBeNull();
    });

    [Fact]
    public void RunUntilComplete_AfterTheRun_CurrentSchedulerIsRestored() => Guard.Run(() =>
    {
        TaskScheduler outside = TaskScheduler.Current;
        using var loop = new LoopTaskScheduler();

        loop.RunUntilComplete(async () => await Task.Yield());

        TaskScheduler.Current.ShouldBe(outside);
    });

    [Fact]
    public void RunForever_CallbackThrowsToTheHandlerThenStops_TheRunReturnsNormally() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        test.Loop.CallSoon(() => throw new InvalidOperationException("boom"));
        test.Loop.CallSoon(test.Loop.Stop);

        test.Loop.RunForever();

        test.Log.ToString().ShouldContain("boom");
    });

    [Fact]
    public void RunUntilComplete_MainThrows_ExceptionComesOutUnwrapped() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler();

        Should.Throw<InvalidOperationException>(() => loop.RunUntilComplete(async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("main failed");
        })).Message.ShouldBe("main failed");
    });
}
