using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>AsyncIO.Timeout(delay, body)</c>, as asyncio's <c>async with asyncio.timeout(delay)</c>.</summary>
public class TimeoutTests
{
    [Fact]
    public void Timeout_Token_FiresAtTheDeadline() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                TimeSpan? firedAt = null;

                await ShouldThrowOnLoopAsync<TimeoutException>(AsyncIO.Timeout(Seconds(2), async token =>
                {
                    using CancellationTokenRegistration registration = token.Register(() => firedAt = Now - start);
                    token.IsCancellationRequested.ShouldBeFalse();
                    await Task.Delay(Timeout.Infinite, token);
                    return 0;
                }));

                firedAt.ShouldBe(Seconds(2));
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void Timeout_OperationCanceledFromTheToken_BecomesTimeoutException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Task opener = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(2));
                    gate.SetResult(true);
                });

                await ShouldThrowOnLoopAsync<TimeoutException>(AsyncIO.Timeout(Seconds(1), async token =>
                {
                    await gate.Task; // not loop-aware: only the token tells the body about the deadline
                    token.ThrowIfCancellationRequested();
                    return 1;
                }));

                (Now - start).ShouldBe(Seconds(2));
                await opener;
            },
            Options());
    });

    [Fact]
    public void Timeout_OtherOperationCanceled_PassesThrough() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Exception thrown = await ShouldThrowOnLoopAsync<Exception>(AsyncIO.Timeout(Seconds(10), async token =>
                {
                    await AsyncIO.Sleep(Seconds(1), token);
                    throw new OperationCanceledException("not the deadline");
                }));

                thrown.ShouldBeAssignableTo<OperationCanceledException>();
            },
            Options());
    });

    [Fact]
    public void Timeout_LoopAwareSleepInBody_InterruptedAtTheDeadline() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                bool finishedSleeping = false;

                await ShouldThrowOnLoopAsync<TimeoutException>(AsyncIO.Timeout(Seconds(1), async _ =>
                {
                    await AsyncIO.Sleep(Seconds(10), CancellationToken.None); // the token is not passed: the loop-aware await is interrupted anyway
                    finishedSleeping = true;
                    return 1;
                }));

                finishedSleeping.ShouldBeFalse();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void Timeout_BodyFinishesInTime_ReturnsItsValue() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;

                int result = await AsyncIO.Timeout(Seconds(1), async token =>
                {
                    await AsyncIO.Sleep(Seconds(0.5), token);
                    return 9;
                });

                result.ShouldBe(9);
                (Now - start).ShouldBe(Seconds(0.5));

                // The deadline was disarmed: a sleep across it is not interrupted.
                await AsyncIO.Sleep(Seconds(5));
                (Now - start).ShouldBe(Seconds(5.5));
            },
            Options());
    });

    [Fact]
    public void Timeout_NonGenericBodyFinishesInTime_Completes() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                bool ran = false;
                await AsyncIO.Timeout(Seconds(1), async token =>
                {
                    await AsyncIO.Sleep(Seconds(0.5), token);
                    ran = true;
                });

                ran.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void Timeout_AfterTimingOut_TaskCanGoOnAwaitingNormally() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;

                await ShouldThrowOnLoopAsync<TimeoutException>(AsyncIO.Timeout(Seconds(1), async _ =>
                {
                    await AsyncIO.Sleep(Seconds(10), CancellationToken.None);
                    return 1;
                }));

                await AsyncIO.Sleep(Seconds(2));
                (Now - start).ShouldBe(Seconds(3));

                int later = await AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(Seconds(1));
                    return 4;
                }).WaitFor(Seconds(5));
                later.ShouldBe(4);
                (Now - start).ShouldBe(Seconds(4));
            },
            Options());
    });

    [Fact]
    public void Timeout_InsideCreatedTask_TheTaskEndsNormallyAfterCatching() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<string> task = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Timeout(Seconds(1), token => AsyncIO.Sleep(Seconds(10), token).AsTask());
                        return "in time";
                    }
                    catch (TimeoutException)
                    {
                        await AsyncIO.Sleep(Seconds(1));
                        return "timed out";
                    }
                });

                (await task).ShouldBe("timed out");
                task.Status.ShouldBe(TaskStatus.RanToCompletion);
            },
            Options());
    });

    [Fact]
    public void Timeout_TaskCancelledFromOutsideBeforeTheDeadline_ThrowsOperationCanceledNotTimeout() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Exception? seen = null;
                Task task = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Timeout(Seconds(10), token => AsyncIO.Sleep(Seconds(20), token).AsTask());
                    }
                    catch (Exception exception)
                    {
                        seen = exception;
                        throw;
                    }
                });
                await AsyncIO.Sleep(Seconds(1));

                task.Cancel();
                await task.ShouldBeCancelledAsync();

                seen.ShouldBeAssignableTo<OperationCanceledException>();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void Timeout_BodyAwaitsGather_DeadlineCancelsTheGatheredTasks() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task a = loop.CreateTask(() => AsyncIO.Sleep(Seconds(5)).AsTask());
                Task b = loop.CreateTask(() => AsyncIO.Sleep(Seconds(6)).AsTask());

                await ShouldThrowOnLoopAsync<TimeoutException>(AsyncIO.Timeout(Seconds(1), _ => AsyncIO.Gather(a, b)));

                a.IsCanceled.ShouldBeTrue();
                b.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });
}
