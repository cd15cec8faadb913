using System;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary>
/// The loop's pool of sleeps: it grows to the most sleeps ever pending at once, and a gen2 GC trims what a past burst
/// left unused. The trims are asked for directly, as a gen2 GC does, except in the test of that wiring.
/// </summary>
public class SleepPoolTests
{
    private const int Burst = 1000;

    [Fact]
    public void Burst_PoolsOneSleepForEachThatWasPendingAtOnce() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        SleepBurst(test);

        test.Loop.TaskSide.SleepPoolCount.ShouldBe(Burst);
    });

    [Fact]
    public void Trim_BetweenBursts_KeepsThePool() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        SleepBurst(test);

        for (int round = 0; round < 4; round++)
        {
            test.Loop.TaskSide.RequestSleepPoolTrim().ShouldBeTrue();
            SleepBurst(test);
        }

        test.Loop.TaskSide.SleepPoolCount.ShouldBe(Burst);
    });

    [Fact]
    public void Trim_AfterAOneOffBurst_KeepsOnlyWhatIsUsedSince() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        SleepBurst(test);

        // The first period still saw the burst: nothing is dropped.
        test.Loop.TaskSide.RequestSleepPoolTrim();
        SleepOnce(test);
        test.Loop.TaskSide.SleepPoolCount.ShouldBe(Burst);

        // Unused over two periods: dropped.
        test.Loop.TaskSide.RequestSleepPoolTrim();
        SleepOnce(test);
        test.Loop.TaskSide.RequestSleepPoolTrim();
        SleepOnce(test);
        test.Loop.TaskSide.SleepPoolCount.ShouldBe(1);

        SleepBurst(test);
        test.Loop.TaskSide.SleepPoolCount.ShouldBe(Burst);
    });

    [Fact]
    public void Gen2Gc_AfterAOneOffBurst_TrimsThePool() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        SleepBurst(test);

        for (int round = 0; round < 3; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            SleepOnce(test);
        }

        test.Loop.TaskSide.SleepPoolCount.ShouldBe(1);
    });

    [Fact]
    public void RequestTrim_OnAClosedLoop_AsksToStop()
    {
        var loop = new LoopTaskScheduler();
        loop.Close();

        loop.TaskSide.RequestSleepPoolTrim().ShouldBeFalse();
    }

    private static void SleepBurst(TestLoop test)
    {
        Task burst = test.Loop.CreateTask(async () =>
        {
            var sleeps = new ValueTask[Burst];
            for (int i = 0; i < Burst; i++)
            {
#pragma warning disable CA2012 // Each ValueTask is stored once and awaited once below: all are pending together.
                sleeps[i] = AsyncIO.Sleep(TimeSpan.FromMilliseconds(i % 10));
#pragma warning restore CA2012
            }

            foreach (ValueTask sleep in sleeps)
            {
                await sleep;
            }
        });
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromMilliseconds(10));
        test.RunUntilSettled(burst);
        burst.IsCompletedSuccessfully.ShouldBeTrue();
    }

    private static void SleepOnce(TestLoop test)
    {
        Task sleep = test.Loop.CreateTask(async () => await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1)));
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromMilliseconds(1));
        test.RunUntilSettled(sleep);
        sleep.IsCompletedSuccessfully.ShouldBeTrue();
    }
}
