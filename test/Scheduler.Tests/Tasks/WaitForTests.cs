using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>task.WaitFor(timeout)</c>, as asyncio's <c>wait_for</c>.</summary>
public class WaitForTests
{
    [Fact]
    public void WaitFor_Timeout_ThrowsTimeoutExceptionAtExactlyTheTimeout() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(10));
                    return 1;
                });

                await ShouldThrowOnLoopAsync<TimeoutException>(inner.WaitFor(Seconds(1)));

                (Now - start).ShouldBe(Seconds(1));
                inner.IsCanceled.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void WaitFor_Timeout_CancelsInnerAndAwaitsItsCleanupBeforeThrowing() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                var log = new List<string>();
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Sleep(Seconds(10));
                        return 1;
                    }
                    catch (OperationCanceledException)
                    {
                        log.Add($"cancelled at {(Now - start).TotalSeconds}");
                        await AsyncIO.Sleep(Seconds(0.5));
                        log.Add($"cleaned up at {(Now - start).TotalSeconds}");
                        throw;
                    }
                });

                await ShouldThrowOnLoopAsync<TimeoutException>(inner.WaitFor(Seconds(1)));

                log.ShouldBe(["cancelled at 1", "cleaned up at 1.5"]);
                inner.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1.5));
            },
            Options());
    });

    [Fact]
    public void WaitFor_ZeroTimeoutOnCompletedTask_ReturnsItsResult() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> done = AsyncIO.GetRunningLoop().CreateTask(() => Task.FromResult(7));
                await done;

                (await done.WaitFor(TimeSpan.Zero)).ShouldBe(7);
                (await Task.FromResult(8).WaitFor(TimeSpan.Zero)).ShouldBe(8);
            },
            Options());
    });

    [Fact]
    public void WaitFor_ZeroTimeoutOnPendingTask_CancelsItAndThrowsTimeoutException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(10));
                    return 1;
                });

                await ShouldThrowOnLoopAsync<TimeoutException>(inner.WaitFor(TimeSpan.Zero));

                inner.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(TimeSpan.Zero);
            },
            Options());
    });

    [Fact]
    public void WaitFor_InnerCompletesFirst_ReturnsItsResult() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(1));
                    return 3;
                });

                (await inner.WaitFor(Seconds(5))).ShouldBe(3);
                (Now - start).ShouldBe(Seconds(1));

                // The disarmed deadline does not reach into later awaits.
                await AsyncIO.Sleep(Seconds(10));
                (Now - start).ShouldBe(Seconds(11));
            },
            Options());
    });

    [Fact]
    public void WaitFor_InnerFailsFirst_ThrowsItsException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask<int>(async () =>
                {
                    await AsyncIO.Sleep(Seconds(1));
                    throw new InvalidOperationException("boom");
                });

                (await ShouldThrowOnLoopAsync<InvalidOperationException>(inner.WaitFor(Seconds(5)))).Message.ShouldBe("boom");
            },
            Options());
    });

    [Fact]
    public void WaitFor_InnerSwallowsCancellationAndReturns_ItsResultIsReturned() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Sleep(Seconds(10));
                        return 1;
                    }
                    catch (OperationCanceledException)
                    {
                        return 42;
                    }
                });

                (await inner.WaitFor(Seconds(1))).ShouldBe(42);
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void WaitFor_AwaitingTaskCancelled_CancelsInner() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task<int> inner = loop.CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(10));
                    return 1;
                });
                Task<int> outer = loop.CreateTask(() => inner.WaitFor(Seconds(5)));
                await AsyncIO.Sleep(Seconds(1));

                outer.Cancel().ShouldBeTrue();
                await outer.ShouldBeCancelledAsync();

                inner.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void WaitFor_ReturnedTaskCancelled_CancelsInner() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<int> inner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(10));
                    return 1;
                });
                await AsyncIO.Sleep(TimeSpan.Zero);
                Task<int> wait = inner.WaitFor(Seconds(5));

                wait.Cancel().ShouldBeTrue();
                await wait.ShouldBeCancelledAsync();

                inner.IsCanceled.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void WaitFor_PlainTaskTimesOut_ThrowsAndTheTaskRunsOn() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

                await ShouldThrowOnLoopAsync<TimeoutException>(source.Task.WaitFor(Seconds(2)));

                (Now - start).ShouldBe(Seconds(2));
                source.Task.IsCompleted.ShouldBeFalse();
                source.SetResult(1);
            },
            Options());
    });
}
