using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The hot paths allocate nothing in steady state. These count bytes, not time: a regression fails CI on any machine.
/// </summary>
[Collection(MeterCollection.Name)]
public class AllocationTests
{
    private const int Burst = 10_000;

    private static readonly Action<object?> s_count = static state => ((Counter)state!).Value++;

    [Fact]
    public void CallSoon_BurstFromTheLoopThread_AllocatesNothing() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        using var test = new TestLoop();
        var counter = new Counter();
        void BurstOnLoop() => test.Loop.CallSoon(_ =>
        {
            for (int i = 0; i < Burst; i++)
            {
                test.Loop.CallSoon(s_count, counter);
            }
        }, null);

        // Warm-up: the ready queue grows to the burst.
        for (int round = 0; round < 3; round++)
        {
            BurstOnLoop();
            test.RunUntilIdle();
        }

        BurstOnLoop();
        long before = GC.GetAllocatedBytesForCurrentThread();
        test.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before - TestLoop.RunCost;

        counter.Value.ShouldBe(4 * Burst);
        return allocated;
    }));

    [Fact]
    public void Post_BurstFromTheLoopThread_AllocatesNothing() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        using var test = new TestLoop();
        var counter = new Counter();
        SendOrPostCallback count = static state => ((Counter)state!).Value++;
        void BurstOnLoop() => test.Loop.CallSoon(_ =>
        {
            for (int i = 0; i < Burst; i++)
            {
                test.Loop.SynchronizationContext.Post(count, counter);
            }
        }, null);

        BurstOnLoop();
        test.RunUntilIdle();
        BurstOnLoop();
        long before = GC.GetAllocatedBytesForCurrentThread();
        test.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before - TestLoop.RunCost;

        counter.Value.ShouldBe(2 * Burst);
        return allocated;
    }));

    [Fact]
    public void CallLater_BurstOfTimers_AllocatesNothing() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        using var test = new TestLoop();
        var counter = new Counter();
        void BurstOnLoop() => test.Loop.CallSoon(_ =>
        {
            for (int i = 0; i < Burst; i++)
            {
                test.Loop.CallLater(TimeSpan.FromMilliseconds(i % 50), s_count, counter);
            }
        }, null);

        for (int round = 0; round < 2; round++)
        {
            BurstOnLoop();
            test.RunUntilIdle();
            test.Advance(TimeSpan.FromSeconds(1));
        }

        BurstOnLoop();
        long before = GC.GetAllocatedBytesForCurrentThread();
        test.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before - TestLoop.RunCost;

        // The fake clock's own bookkeeping is not the loop's: only the loop's run is measured.
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        before = GC.GetAllocatedBytesForCurrentThread();
        test.RunUntilIdle();
        allocated += GC.GetAllocatedBytesForCurrentThread() - before - TestLoop.RunCost;

        counter.Value.ShouldBe(3 * Burst);
        return allocated;
    }));

    [Theory]
    [InlineData(200)]
    [InlineData(5000)]
    public void CallSoonThreadSafe_BurstsFromAnotherThread_AllocateNothingToPostOrToRun(int burst) => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        using var test = new TestLoop();
        var counter = new Counter();

        // A burst that fills the inbox's ring moves the posters on to one twice its size, which the loop keeps: after a
        // few bursts the ring holds a whole burst, and neither posting nor draining allocates.
        const int WarmUpRounds = 5;
        for (int round = 0; round < WarmUpRounds; round++)
        {
            for (int i = 0; i < burst; i++)
            {
                test.Loop.CallSoonThreadSafe(s_count, counter);
            }

            test.RunUntilIdle();
        }

        long allocated = 0;
        for (int round = 0; round < 10; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < burst; i++)
            {
                test.Loop.CallSoonThreadSafe(s_count, counter);
            }

            // The test thread posts while the loop is not running (another thread to it), then runs the loop.
            test.RunUntilIdle();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before - TestLoop.RunCost;
        }

        counter.Value.ShouldBe((WarmUpRounds + 10) * burst);
        return allocated;
    }));

    [Fact]
    public void Sleep_InALoopTask_AllocatesNothingPerSleep() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        long allocated = AsyncIO.Run(
            async () =>
            {
                for (int i = 0; i < Burst; i++)
                {
                    await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Burst; i++)
                {
                    await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
                }

                return GC.GetAllocatedBytesForCurrentThread() - before;
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });

        return allocated;
    }));

    [Fact]
    public void Sleep_ConcurrentBurst_AllocatesNothingOnceSeen() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        // More sleeps pending at once than a fixed cap of 65,536 pooled ones would keep.
        const int Pending = 70_000;
        var sleeps = new ValueTask[Pending];
        long allocated = AsyncIO.Run(
            async () =>
            {
                long before = 0;
                for (int round = 0; round < 2; round++)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < Pending; i++)
                    {
#pragma warning disable CA2012 // Each ValueTask is stored once and awaited once below: all are pending together.
                        sleeps[i] = AsyncIO.Sleep(TimeSpan.FromMilliseconds(i % 50));
#pragma warning restore CA2012
                    }

                    foreach (ValueTask sleep in sleeps)
                    {
                        await sleep;
                    }
                }

                return GC.GetAllocatedBytesForCurrentThread() - before;
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });

        return allocated;
    }));

    [Fact]
    public void TaskYield_OnTheLoop_AllocatesNothingPerYield() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        long allocated = AsyncIO.Run(async () =>
        {
            for (int i = 0; i < Burst; i++)
            {
                await Task.Yield();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Burst; i++)
            {
                await Task.Yield();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        return allocated;
    }));

    [Fact]
    public void CreateTask_ABodyThatTakesNoToken_CostsNoClosureNoTokenSourceAndNoNameUntilAsked() => Guard.Run(() =>
    {
        // What a started, finished loop task of a synchronous body allocates (340 B here), pinned: its state, its promise
        // and that task, the context that carries asyncio's current_task, its completion. A closure around the body, a
        // token source nobody asked for and the Task-N strings were another ~200 B per task.
        const long PerTask = 380;
        Func<Task> body = static () => Task.CompletedTask;
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && fewest > PerTask * Burst; attempt++)
        {
            using var test = new TestLoop();
            var tasks = new Task[Burst];
            for (int i = 0; i < Burst; i++)
            {
                tasks[i] = test.Loop.CreateTask(body);
            }

            test.RunUntilIdle();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Burst; i++)
            {
                tasks[i] = test.Loop.CreateTask(body);
            }

            test.RunUntilIdle();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            tasks.ShouldAllBe(task => task.IsCompletedSuccessfully);
        }

        (fewest / Burst).ShouldBeLessThanOrEqualTo(PerTask);
    });

    [Fact]
    public void Gather_OfPendingTasksOnTheLoop_AllocatesOnlyTheRuntimesContinuationPerChild() => Guard.Run(() =>
    {
        // Per child: a slot of the gather's snapshot (8 B) and the runtime's await continuation for the loop's context
        // (48 B on 64-bit); the library's hook and its delegate come from the loop's pool. Plus the gather's own objects.
        const long PerChild = 56;
        const long Bound = (PerChild * Burst) + 1024;
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && fewest > Bound; attempt++)
        {
            fewest = Math.Min(fewest, AsyncIO.Run(async () =>
            {
                // Two warm-up rounds: the pool grows to the fan-out.
                var children = new Task[Burst];
                await GatherYieldingChildren(children);
                await GatherYieldingChildren(children);
                return await GatherYieldingChildren(children);
            }));
        }

        fewest.ShouldBeLessThanOrEqualTo(Bound);
    });

    private static async Task<long> GatherYieldingChildren(Task[] children)
    {
        for (int i = 0; i < children.Length; i++)
        {
            children[i] = YieldOnceAsync();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        await AsyncIO.Gather(children);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated;
    }

    private static async Task YieldOnceAsync() => await Task.Yield();

    [Fact]
    public void RunUntilIdle_EmptyRun_AllocatesOnlyTheTaskItRunsIn() =>
        // The tests above subtract this per run: it must stay one small object or two, whatever the loop holds.
        TestLoop.RunCost.ShouldBeLessThanOrEqualTo(128);

    private sealed class Counter
    {
        public int Value;
    }
}
