using System;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>task.Shield()</c>, as asyncio's <c>shield</c>.</summary>
public class ShieldTests
{
    private static Task<int> Sleeper(double seconds, int result) =>
        AsyncIO.GetRunningLoop().CreateTask(async () =>
        {
            await AsyncIO.Sleep(Seconds(seconds));
            return result;
        });

    [Fact]
    public void Shield_NotCancelled_MirrorsTheInnerResult() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                (await Sleeper(1, 5).Shield()).ShouldBe(5);
            },
            Options());
    });

    [Fact]
    public void Shield_CancelTheShield_InnerKeepsRunningAndItsResultIsRetrievable() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = Sleeper(2, 5);
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<int> shield = inner.Shield();

                shield.Cancel().ShouldBeTrue();
                await shield.ShouldBeCancelledAsync();

                inner.IsCompleted.ShouldBeFalse();
                (await inner).ShouldBe(5);
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void Shield_CancelTheTaskAwaitingIt_InnerKeepsRunningAndItsResultIsRetrievable() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = Sleeper(2, 5);
                Task<int> outer = AsyncIO.GetRunningLoop().CreateTask(() => inner.Shield());
                await AsyncIO.Sleep(Seconds(1));

                outer.Cancel().ShouldBeTrue();
                await outer.ShouldBeCancelledAsync();
                (Now - start).ShouldBe(Seconds(1));

                inner.IsCompleted.ShouldBeFalse();
                (await inner).ShouldBe(5);
                inner.Status.ShouldBe(TaskStatus.RanToCompletion);
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void Shield_AwaitingTaskCancelled_CanStillAwaitTheInnerInItsCleanup() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> inner = Sleeper(2, 5);
                Task<int> outer = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        return await inner.Shield();
                    }
                    catch (OperationCanceledException)
                    {
                        return await inner + 100;
                    }
                });
                await AsyncIO.Sleep(Seconds(1));

                outer.Cancel();

                (await outer).ShouldBe(105);
            },
            Options());
    });
}
