using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>AsyncIO.Wait</c>, as asyncio's <c>wait</c>.</summary>
public class WaitTests
{
    private static Task<int> Sleeper(double seconds, int result) =>
        AsyncIO.GetRunningLoop().CreateTask(async () =>
        {
            await AsyncIO.Sleep(Seconds(seconds));
            return result;
        });

    private static Task<int> Failer(double seconds) =>
        AsyncIO.GetRunningLoop().CreateTask<int>(async () =>
        {
            await AsyncIO.Sleep(Seconds(seconds));
            throw new InvalidOperationException("boom");
        });

    [Fact]
    public void Wait_FirstCompleted_ReturnsOnceOneIsDone_OthersKeepRunning() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> slow = Sleeper(2, 2);
                Task<int> fast = Sleeper(1, 1);

                var (done, pending) = await AsyncIO.Wait([slow, fast], ReturnWhen.FirstCompleted);

                done.ShouldBe([fast]);
                pending.ShouldBe([slow]);
                (Now - start).ShouldBe(Seconds(1));
                slow.IsCompleted.ShouldBeFalse();
                (await slow).ShouldBe(2);
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void Wait_FirstException_ReturnsOnFirstFailure() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> ok = Sleeper(0.5, 1);
                Task<int> failing = Failer(1);
                Task<int> slow = Sleeper(5, 3);

                var (done, pending) = await AsyncIO.Wait([ok, failing, slow], ReturnWhen.FirstException);

                done.ShouldBe([ok, failing], ignoreOrder: true);
                pending.ShouldBe([slow]);
                (Now - start).ShouldBe(Seconds(1));
                failing.IsFaulted.ShouldBeTrue();
                slow.IsCompleted.ShouldBeFalse();
                (await slow).ShouldBe(3);
            },
            Options());
    });

    [Fact]
    public void Wait_FirstException_CancelledTaskIsNoException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> cancelled = Sleeper(10, 1);
                Task<int> failing = Failer(2);
                Task<int> slow = Sleeper(5, 3);
                cancelled.Cancel();

                var (done, pending) = await AsyncIO.Wait([cancelled, failing, slow], ReturnWhen.FirstException);

                (Now - start).ShouldBe(Seconds(2));
                done.ShouldBe([cancelled, failing], ignoreOrder: true);
                pending.ShouldBe([slow]);
                cancelled.IsCanceled.ShouldBeTrue();
                await slow;
            },
            Options());
    });

    [Fact]
    public void Wait_FirstExceptionWithoutFailure_WaitsForAll() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(1, 1);
                Task<int> b = Sleeper(3, 2);

                var (done, pending) = await AsyncIO.Wait([a, b], ReturnWhen.FirstException);

                done.ShouldBe([a, b], ignoreOrder: true);
                pending.ShouldBeEmpty();
                (Now - start).ShouldBe(Seconds(3));
            },
            Options());
    });

    [Fact]
    public void Wait_AllCompleted_WaitsForEveryTaskIncludingFailures() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(1, 1);
                Task<int> failing = Failer(2);
                Task<int> c = Sleeper(3, 3);

                var (done, pending) = await AsyncIO.Wait([a, failing, c]);

                done.ShouldBe([a, failing, c], ignoreOrder: true);
                pending.ShouldBeEmpty();
                (Now - start).ShouldBe(Seconds(3));
                failing.IsFaulted.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void Wait_Timeout_LeavesPendingTasksRunningAndThrowsNothing() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> fast = Sleeper(1, 1);
                Task<int> slow = Sleeper(5, 2);

                var (done, pending) = await AsyncIO.Wait([fast, slow], ReturnWhen.AllCompleted, Seconds(2));

                (Now - start).ShouldBe(Seconds(2));
                done.ShouldBe([fast]);
                pending.ShouldBe([slow]);
                slow.IsCompleted.ShouldBeFalse();

                (await slow).ShouldBe(2);
                slow.Status.ShouldBe(TaskStatus.RanToCompletion);
                (Now - start).ShouldBe(Seconds(5));
            },
            Options());
    });

    [Fact]
    public void Wait_TimeoutBeforeAnyIsDone_ReturnsAllPending() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(5, 1);
                Task<int> b = Sleeper(6, 2);

                var (done, pending) = await AsyncIO.Wait([a, b], ReturnWhen.FirstCompleted, Seconds(1));

                (Now - start).ShouldBe(Seconds(1));
                done.ShouldBeEmpty();
                pending.ShouldBe([a, b]);
                (await AsyncIO.Gather(a, b)).ShouldBe([1, 2]);
            },
            Options());
    });

    [Fact]
    public void Wait_AwaitingTaskCancelled_TasksKeepRunning() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> a = Sleeper(5, 1);
                Task<WaitResult> waiter = AsyncIO.GetRunningLoop().CreateTask(() => AsyncIO.Wait([a]));
                await AsyncIO.Sleep(Seconds(1));

                waiter.Cancel().ShouldBeTrue();
                await waiter.ShouldBeCancelledAsync();

                a.IsCompleted.ShouldBeFalse();
                (await a).ShouldBe(1);
            },
            Options());
    });

    [Fact]
    public void Wait_EmptyInput_ThrowsArgumentException()
    {
        Should.Throw<ArgumentException>(() => AsyncIO.Wait(new List<Task>()));
    }

    [Fact]
    public void Wait_Deconstruction_MatchesDoneAndPending() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> a = Sleeper(1, 1);
                Task<int> b = Sleeper(2, 2);

                WaitResult result = await AsyncIO.Wait([a, b], ReturnWhen.FirstCompleted);
                var (done, pending) = result;

                done.ShouldBeSameAs(result.Done);
                pending.ShouldBeSameAs(result.Pending);
                await b;
            },
            Options());
    });
}
