using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary><c>AsyncIO.RunCoroutineThreadSafe</c>, as asyncio's <c>run_coroutine_threadsafe</c>.</summary>
public class RunCoroutineThreadSafeTests
{
    private static LoopOptions Options(bool autoAdvance) => new()
    {
        TimeProvider = new FakeTimeProvider(),
        AutoAdvance = autoAdvance,
        Log = new StringWriter(),
        Name = "coroutine-loop",
    };

    [Fact]
    public void RunCoroutineThreadSafe_FromAnotherThread_ReturnsTheResult() => Guard.Run(() =>
    {
        using var thread = new LoopThread(Options(autoAdvance: true));

        Task<int> result = AsyncIO.RunCoroutineThreadSafe(
            async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                return Environment.CurrentManagedThreadId;
            },
            thread.Loop);

        result.GetAwaiter().GetResult().ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void RunCoroutineThreadSafe_BodyWithoutResult_RunsOnTheLoopAndCompletesTheReturnedTask() => Guard.Run(() =>
    {
        using var thread = new LoopThread(Options(autoAdvance: true));
        int ranOn = 0;

        Task done = AsyncIO.RunCoroutineThreadSafe(
            async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                ranOn = Environment.CurrentManagedThreadId;
            },
            thread.Loop);

        done.Wait(Guard.UnexpectedTimeout).ShouldBeTrue();
        done.IsCompletedSuccessfully.ShouldBeTrue();
        ranOn.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void RunCoroutineThreadSafe_BodyWithoutResultFails_ComesOutOfTheReturnedTask() => Guard.Run(() =>
    {
        using var thread = new LoopThread(Options(autoAdvance: true));

        Task done = AsyncIO.RunCoroutineThreadSafe(
            async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                throw new InvalidOperationException("no result, and a failure");
            },
            thread.Loop);

        Should.Throw<InvalidOperationException>(() => done.GetAwaiter().GetResult()).Message.ShouldBe("no result, and a failure");
    });

    [Fact]
    public void RunCoroutineThreadSafe_Failure_ComesOutOfTheReturnedTask() => Guard.Run(() =>
    {
        using var thread = new LoopThread(Options(autoAdvance: true));

        Task<int> result = AsyncIO.RunCoroutineThreadSafe<int>(
            async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                throw new InvalidOperationException("boom");
            },
            thread.Loop);

        Should.Throw<InvalidOperationException>(() => result.GetAwaiter().GetResult()).Message.ShouldBe("boom");
    });

    [Fact]
    public void RunCoroutineThreadSafe_CancelTheReturnedTask_CancelsTheLoopSideTask() => Guard.Run(() =>
    {
        // The fake clock never moves: the loop-side sleep can only end by cancellation.
        using var thread = new LoopThread(Options(autoAdvance: false));
        var started = new TaskCompletionSource<Task?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loopSideCancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<int> result = AsyncIO.RunCoroutineThreadSafe(
            async () =>
            {
                started.SetResult(AsyncIO.CurrentTask());
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    return 1;
                }
                catch (OperationCanceledException)
                {
                    loopSideCancelled.SetResult(true);
                    throw;
                }
            },
            thread.Loop);
        Task? loopSide = started.Task.GetAwaiter().GetResult();

        result.Cancel().ShouldBeTrue();

        Should.Throw<OperationCanceledException>(() => result.GetAwaiter().GetResult());
        result.IsCanceled.ShouldBeTrue();
        loopSideCancelled.Task.GetAwaiter().GetResult().ShouldBeTrue();
        loopSide.ShouldNotBeNull();
        SpinWait.SpinUntil(() => loopSide.IsCompleted, Guard.UnexpectedTimeout);
        loopSide.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void RunCoroutineThreadSafe_CancelledBeforeTheLoopRuns_BodyNeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        Task<int> result = AsyncIO.RunCoroutineThreadSafe(
            () =>
            {
                ran = true;
                return Task.FromResult(1);
            },
            test.Loop);

        result.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeFalse();
        SpinWait.SpinUntil(() => result.IsCompleted, Guard.UnexpectedTimeout);
        result.IsCanceled.ShouldBeTrue();
    });
}
