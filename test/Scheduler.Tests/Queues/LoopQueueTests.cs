using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopQueueTests
{
    [Fact]
    public void GetAsync_ManyItems_FirstInFirstOut() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<string>();

        List<string> taken = test.OnLoop(() =>
        {
            sut.PutAll("c", "a", "b", "a");
            return Enumerable.Range(0, 4).Select(_ => sut.GetAsync().ShouldCompleteSynchronously()).ToList();
        });

        taken.ShouldBe(["c", "a", "b", "a"]);
    });

    [Fact]
    public void PutAsync_BackPressure_ItemsKeepFifoOrderAcrossWaitingPutters() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>(maxSize: 2);
        Task producer = test.Loop.CreateTask(async () =>
        {
            for (int i = 1; i <= 6; i++)
            {
                await sut.PutAsync(i);
            }
        });
        test.RunUntilIdle();
        sut.Count.ShouldBe(2);
        producer.IsCompleted.ShouldBeFalse();

        var taken = new List<int>();
        while (taken.Count < 6)
        {
            taken.Add(test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()));
            sut.Count.ShouldBeLessThanOrEqualTo(2);
        }

        taken.ShouldBe([1, 2, 3, 4, 5, 6]);
        producer.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void AwaitForeach_WithCancellation_StopsWithoutTakingAnItem() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        using var cts = new CancellationTokenSource();
        var read = new List<int>();
        Exception? error = null;
        test.Loop.CreateTask(async () =>
        {
            try
            {
                await foreach (int item in sut.WithCancellation(cts.Token))
                {
                    read.Add(item);
                }
            }
            catch (OperationCanceledException exception)
            {
                error = exception;
            }
        });
        test.RunUntilIdle();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        read.ShouldBe([1]);

        test.OnLoop(cts.Cancel);
        test.OnLoop(() => sut.TryPut(2).ShouldBeTrue());

        error.ShouldNotBeNull();
        read.ShouldBe([1]);
        sut.Count.ShouldBe(1);
    });

    [Fact]
    public void AwaitForeach_ItemPutWhileWaiting_BodyRunsInTheTurnOfTheWakeUp() => Guard.Run(() =>
    {
        // As after await queue.GetAsync(): the consumer's body runs in the turn its get was woken for, ahead of a
        // callback scheduled after the put (an async iterator's step cost a turn more).
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        var events = new List<string>();
        test.Loop.CreateTask(async () =>
        {
            await foreach (int item in sut)
            {
                events.Add($"item {item}");
            }
        });
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.TryPut(1).ShouldBeTrue();
            test.Loop.CallSoon(() => events.Add("callback"));
        });

        events.ShouldBe(["item 1", "callback"]);
    });

    [Fact]
    public void AwaitForeach_BreakOut_LeavesTheRestInTheQueue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        test.OnLoop(() => sut.PutAll(1, 2, 3, 4, 5));
        var read = new List<int>();

        Task reader = test.Loop.CreateTask(async () =>
        {
            await foreach (int item in sut)
            {
                read.Add(item);
                if (item == 2)
                {
                    break;
                }
            }
        });
        test.RunUntilIdle();

        reader.IsCompletedSuccessfully.ShouldBeTrue();
        read.ShouldBe([1, 2]);
        sut.Count.ShouldBe(3);
        test.OnLoop(() => sut.TryPut(6).ShouldBeTrue());
        sut.Count.ShouldBe(4, "no getter was left behind to take the new item");
    });

    [Fact]
    public void GetAsync_WaiterReused_StaleTokenCancelDoesNotCancelALaterGet() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        using var stale = new CancellationTokenSource();
        Task<int> first = test.Loop.CreateTask(async () => await sut.GetAsync(stale.Token));
        test.RunUntilIdle();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        first.Result.ShouldBe(1);

        // The pooled waiter is reused by the next get; the first get's token must not reach it.
        Task<int> second = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();
        test.OnLoop(stale.Cancel);
        second.IsCompleted.ShouldBeFalse();

        test.OnLoop(() => sut.TryPut(2).ShouldBeTrue());
        second.Result.ShouldBe(2);
    });

    [Fact]
    public void GetAsync_HeadMiddleAndTailGettersCancelled_TheOthersKeepTheirOrderAndTheListTakesNewGetters() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        CancellationTokenSource[] sources = Enumerable.Range(0, 5).Select(_ => new CancellationTokenSource()).ToArray();
        try
        {
            Task<int>[] getters = sources.Select(source => test.Loop.CreateTask(async () => await sut.GetAsync(source.Token))).ToArray();
            test.RunUntilIdle();

            // Head, then one in the middle, then the tail: each unlinks differently.
            test.OnLoop(sources[0].Cancel);
            test.OnLoop(sources[2].Cancel);
            test.OnLoop(sources[4].Cancel);
            Task<int> late = test.Loop.CreateTask(async () => await sut.GetAsync());
            test.RunUntilIdle();

            test.OnLoop(() => sut.PutAll(10, 20, 30));

            new[] { getters[0], getters[2], getters[4] }.ShouldAllBe(getter => getter.IsCanceled);
            getters[1].Result.ShouldBe(10);
            getters[3].Result.ShouldBe(20);
            late.Result.ShouldBe(30);
            sut.Count.ShouldBe(0);
        }
        finally
        {
            foreach (CancellationTokenSource source in sources)
            {
                source.Dispose();
            }
        }
    });

    [Fact]
    public void GetAsync_TaskCancelledAfterItsWaitEnded_TheNextWaitOfTheTaskIsCancelledNotTheEndedOne() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        var other = new LoopQueue<int>();
        int first = 0;
        Task<int> getter = test.Loop.CreateTask(async () =>
        {
            first = await sut.GetAsync();
            return await other.GetAsync();
        });
        test.RunUntilIdle();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        first.ShouldBe(1);

        // The first wait ended on the loop: the task's cancellation must reach the wait it is in now.
        test.OnLoop(() => getter.Cancel().ShouldBeTrue());

        getter.IsCanceled.ShouldBeTrue();
        test.OnLoop(() => other.TryPut(2).ShouldBeTrue());
        other.Count.ShouldBe(1);
    });

    [Fact]
    public void GetAsync_TokenCancelledFromOtherThread_CancelsOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopQueue<int>();
        using var cts = new CancellationTokenSource();
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync(cts.Token));
        test.RunUntilIdle();

        test.OnLoop(() => LoopTestHelpers.FromOtherThread(cts.Cancel).ShouldBeNull());

        getter.IsCanceled.ShouldBeTrue();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        sut.Count.ShouldBe(1);
    });

    [Fact]
    public void AwaitForeach_UnderAsyncIORunWithAutoAdvance_ReadsEveryItem() => Guard.Run(() =>
    {
        int total = AsyncIO.Run(
            async () =>
            {
                var queue = new LoopQueue<int>(maxSize: 2);
                Task<int> consumer = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    int sum = 0;
                    await foreach (int item in queue)
                    {
                        await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                        sum += item;
                    }

                    return sum;
                });
                for (int i = 1; i <= 10; i++)
                {
                    await queue.PutAsync(i);
                }

                queue.Shutdown();
                return await consumer;
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });

        total.ShouldBe(55);
    });
}
