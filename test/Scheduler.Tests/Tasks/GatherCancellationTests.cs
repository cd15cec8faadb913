using System;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>Gather</c>'s cancellation rules, as asyncio's <c>gather</c>.</summary>
public class GatherCancellationTests
{
    private static Task<int> Sleeper(double seconds, int result) =>
        AsyncIO.GetRunningLoop().CreateTask(async () =>
        {
            await AsyncIO.Sleep(Seconds(seconds));
            return result;
        });

    [Fact]
    public async Task Gather_Empty_CompletesAtOnce()
    {
        Task<int[]> typed = AsyncIO.Gather(Array.Empty<Task<int>>());
        Task untyped = AsyncIO.Gather(Array.Empty<Task>());

        typed.IsCompletedSuccessfully.ShouldBeTrue();
        (await typed).ShouldBeEmpty();
        untyped.IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public void Gather_EmptyOnLoop_CompletesAtOnce() => Guard.Run(() =>
    {
        AsyncIO.Run(
            () =>
            {
                AsyncIO.Gather(Array.Empty<Task<int>>()).IsCompletedSuccessfully.ShouldBeTrue();
                AsyncIO.GatherSettled(Array.Empty<Task>()).IsCompletedSuccessfully.ShouldBeTrue();
                return Task.CompletedTask;
            },
            Options());
    });

    [Fact]
    public void Gather_ResultsInArgumentOrder_WhateverTheCompletionOrder() => Guard.Run(() =>
    {
        int[] results = AsyncIO.Run(
            () => AsyncIO.Gather(Sleeper(3, 1), Sleeper(1, 2), Sleeper(2, 3)),
            Options());

        results.ShouldBe([1, 2, 3]);
    });

    [Fact]
    public void Gather_OuterCancel_CancelsChildren() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(10, 1);
                Task<int> b = Sleeper(20, 2);
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<int[]> gather = AsyncIO.Gather(a, b);

                gather.Cancel().ShouldBeTrue();
                gather.IsCompleted.ShouldBeFalse();
                gather.Cancel().ShouldBeTrue();
                await gather.ShouldBeCancelledAsync();

                a.IsCanceled.ShouldBeTrue();
                b.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(TimeSpan.Zero);
            },
            Options());
    });

    [Fact]
    public void Gather_OuterCancelBeforeChildrenStarted_TheirBodiesNeverRun() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                bool ran = false;
                Task a = AsyncIO.GetRunningLoop().CreateTask(() =>
                {
                    ran = true;
                    return Task.CompletedTask;
                });
                Task gather = AsyncIO.Gather(a);

                gather.Cancel().ShouldBeTrue();
                await gather.ShouldBeCancelledAsync();

                ran.ShouldBeFalse();
                a.IsCanceled.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void Gather_ChildCancelledOnItsOwn_FailsWithOperationCanceledException_OthersKeepRunning() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(5, 1);
                Task<int> b = Sleeper(10, 2);
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<int[]> gather = AsyncIO.Gather(a, b);

                b.Cancel();
                await gather.ShouldBeCancelledAsync();

                a.IsCompleted.ShouldBeFalse();
                (await a).ShouldBe(1);
                (Now - start).ShouldBe(Seconds(5));
            },
            Options());
    });

    [Fact]
    public void GatherSettled_ChildCancelledOnItsOwn_ReturnsIt() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a = Sleeper(5, 1);
                Task<int> b = Sleeper(10, 2);
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<Task<int>[]> gather = AsyncIO.GatherSettled(a, b);

                b.Cancel();
                Task<int>[] settled = await gather;

                settled.Length.ShouldBe(2);
                settled[0].ShouldBeSameAs(a);
                settled[1].ShouldBeSameAs(b);
                a.Result.ShouldBe(1);
                b.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(5));
            },
            Options());
    });

    [Fact]
    public void Gather_LoopTaskAwaitingItCancelled_CancelsGatheredTasks() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task<int> a = Sleeper(10, 1);
                Task<int> b = Sleeper(20, 2);
                Task<int[]> outer = loop.CreateTask(() => AsyncIO.Gather(a, b));
                await AsyncIO.Sleep(Seconds(1));

                outer.Cancel().ShouldBeTrue();
                await outer.ShouldBeCancelledAsync();

                a.IsCanceled.ShouldBeTrue();
                b.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void Gather_LoopTaskAwaitingItCancelled_ItsCleanupCanAwaitNormally() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task<int> a = Sleeper(10, 1);
                Task<string> outer = loop.CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Gather(a);
                        return "gathered";
                    }
                    catch (OperationCanceledException)
                    {
                        await AsyncIO.Sleep(Seconds(2));
                        return "cleaned up";
                    }
                });
                await AsyncIO.Sleep(Seconds(1));

                outer.Cancel();

                (await outer).ShouldBe("cleaned up");
                a.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(3));
            },
            Options());
    });

    [Fact]
    public void Gather_ChildFails_FailsAtOnceWhileTheOthersKeepRunning() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> slow = Sleeper(5, 1);
                Task<int> failing = AsyncIO.GetRunningLoop().CreateTask<int>(async () =>
                {
                    await AsyncIO.Sleep(Seconds(1));
                    throw new InvalidOperationException("boom");
                });

                (await ShouldThrowOnLoopAsync<InvalidOperationException>(AsyncIO.Gather(slow, failing))).Message.ShouldBe("boom");

                (Now - start).ShouldBe(Seconds(1));
                slow.IsCompleted.ShouldBeFalse();
                (await slow).ShouldBe(1);
            },
            Options());
    });

    [Fact]
    public void Gather_OuterCancelAndChildrenSwallowIt_GatherStillEndsCancelled() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> stubborn = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Sleep(Seconds(10));
                        return 1;
                    }
                    catch (OperationCanceledException)
                    {
                        return 2;
                    }
                });
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<int[]> gather = AsyncIO.Gather(stubborn);

                gather.Cancel().ShouldBeTrue();

                await gather.ShouldBeCancelledAsync();
                stubborn.Result.ShouldBe(2);
            },
            Options());
    });
}
