using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Tasks;

/// <summary>
/// Cancel, then wait — but not forever: a task that cannot take its cancellation (a plain await of work that never
/// ends) is reported after the loop's grace period, and the wait ends anyway.
/// </summary>
public class CancellationGraceTests
{
    private static LoopOptions VirtualTime(TimeSpan? grace = null) => new()
    {
        TimeProvider = new FakeTimeProvider(),
        AutoAdvance = true,
        AutoAdvanceThreshold = TimeSpan.Zero,
        CancellationGracePeriod = grace ?? TimeSpan.FromSeconds(1),
        Log = new StringWriter(),
    };

    private static void Collect(LoopTaskScheduler loop, List<LoopExceptionContext> reports) =>
        loop.SetExceptionHandler((_, context) => reports.Add(context));

    [Fact]
    public void WaitFor_TaskThatCannotTakeItsCancellation_TimesOutAfterTheGracePeriodAndIsReported() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var never = new TaskCompletionSource<int>();
        using var loop = new LoopTaskScheduler(VirtualTime());
        Collect(loop, reports);
        TimeSpan start = loop.Time();
        TimeSpan timedOutAt = TimeSpan.Zero;
        Task stuck = null!;

        Should.Throw<TimeoutException>(() => loop.RunUntilComplete(async () =>
        {
            stuck = loop.CreateTask(async () => await never.Task, "stuck");
            try
            {
                await stuck.WaitFor(TimeSpan.FromSeconds(5));
            }
            finally
            {
                timedOutAt = loop.Time();
            }
        })).Message.ShouldContain("within 5 s");

        (timedOutAt - start).ShouldBe(TimeSpan.FromSeconds(6));
        LoopExceptionContext report = reports.ShouldHaveSingleItem();
        report.Task.ShouldBeSameAs(stuck);
        report.Message.ShouldContain("The task stuck did not take, within 1 s (LoopOptions.CancellationGracePeriod), the cancellation");
        report.Message.ShouldContain("lambda in WaitFor_TaskThatCannotTakeItsCancellation_TimesOutAfterTheGracePeriodAndIsReported");
        stuck.IsCompleted.ShouldBeFalse();
    });

    [Fact]
    public void WaitFor_CancelledWhileItsTaskCannotTakeTheCancellation_EndsCancelledAfterTheGracePeriod() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var never = new TaskCompletionSource<int>();
        using var loop = new LoopTaskScheduler(VirtualTime(TimeSpan.FromSeconds(2)));
        Collect(loop, reports);

        TimeSpan start = loop.Time();
        loop.RunUntilComplete(async () =>
        {
            Task stuck = loop.CreateTask(async () => await never.Task, "stuck");
            Task waiting = loop.CreateTask(() => stuck.WaitFor(TimeSpan.FromHours(1)), "waiting");
            await AsyncIO.Sleep(1);
            waiting.Cancel();
            await AsyncIO.GatherSettled(waiting);

            waiting.IsCanceled.ShouldBeTrue();
            (loop.Time() - start).ShouldBe(TimeSpan.FromSeconds(3));
        });

        reports.ShouldHaveSingleItem().Message.ShouldContain("when it was cancelled");
    });

    [Fact]
    public void WaitFor_TaskThatTakesItsCancellation_IsNotReported() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        using var loop = new LoopTaskScheduler(VirtualTime());
        Collect(loop, reports);

        Should.Throw<TimeoutException>(() => loop.RunUntilComplete(async () =>
            await loop.CreateTask(async () => await AsyncIO.Sleep(TimeSpan.FromHours(1))).WaitFor(TimeSpan.FromSeconds(5))));

        reports.ShouldBeEmpty();
    });

    [Fact]
    public void WaitFor_TaskThatTookItsCancellationAndCleansUpLongerThanTheGrace_IsWaitedFor() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        using var loop = new LoopTaskScheduler(VirtualTime());
        Collect(loop, reports);
        TimeSpan start = loop.Time();

        Should.Throw<TimeoutException>(() => loop.RunUntilComplete(async () =>
        {
            Task cleaning = loop.CreateTask(async () =>
            {
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                }
                finally
                {
                    await AsyncIO.Sleep(TimeSpan.FromSeconds(30));
                }
            });
            try
            {
                await cleaning.WaitFor(TimeSpan.FromSeconds(5));
            }
            finally
            {
                (loop.Time() - start).ShouldBe(TimeSpan.FromSeconds(35));
            }
        }));

        reports.ShouldBeEmpty();
    });

    [Fact]
    public void WaitFor_InfiniteGrace_WaitsAsAsyncioDoes() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var late = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var loop = new LoopTaskScheduler(VirtualTime(Timeout.InfiniteTimeSpan));
        Collect(loop, reports);

        TimeSpan start = loop.Time();
        loop.RunUntilComplete(async () =>
        {
            Task<int> slow = loop.CreateTask(async () => await late.Task);
            Task<int> waiting = slow.WaitFor(TimeSpan.FromSeconds(5));
            loop.CallLater(TimeSpan.FromHours(10), () => late.SetResult(7));

            // The wait lasts until the task ends, hours later (cancelled: its cancellation was never delivered).
            await Should.ThrowAsync<TimeoutException>(waiting);
            (loop.Time() - start).ShouldBe(TimeSpan.FromHours(10));
        });

        reports.ShouldBeEmpty();
    });

    [Fact]
    public void Run_ShutdownWithATaskThatCannotTakeItsCancellation_ReportsItAndReturns() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var never = new TaskCompletionSource<int>();

        AsyncIO.Run(
            async () =>
            {
                _ = AsyncIO.GetRunningLoop().CreateTask(async () => await never.Task, "stuck-at-exit");
                await AsyncIO.Sleep(1);
            },
            new LoopOptions { TimeProvider = new FakeTimeProvider(), AutoAdvance = true, AutoAdvanceThreshold = TimeSpan.Zero, Log = log });

        log.ToString().ShouldContain("The task stuck-at-exit did not take, within 1 s (LoopOptions.CancellationGracePeriod), the cancellation AsyncIO.Run gave it");
    });

    [Fact]
    public void TaskGroupToken_FiresWhenAChildFails() => Guard.Run(() =>
    {
        var never = new TaskCompletionSource<int>();
        bool bodySawIt = false;

        Should.Throw<AggregateException>(() => AsyncIO.Run(async () =>
        {
            await using var tg = new TaskGroup();
            _ = tg.CreateTask(async () =>
            {
                await AsyncIO.Sleep(0.001);
                throw new InvalidOperationException("child failed");
            });
            try
            {
                // A plain await the group cannot interrupt, but its token can.
                await never.Task.WaitAsync(tg.Token);
            }
            catch (OperationCanceledException)
            {
                bodySawIt = true;
                throw;
            }
        }));

        bodySawIt.ShouldBeTrue();
    });

    [Fact]
    public void TaskGroupToken_FiresWhenTheOwnerIsCancelled_SoAnAcceptLoopEnds() => Guard.Run(() =>
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            Task server = loop.CreateTask(async () =>
            {
                await using var tg = new TaskGroup();
                while (true)
                {
                    TcpClient client = await listener.AcceptTcpClientAsync(tg.Token);
                    _ = tg.CreateTask(async () =>
                    {
                        using (client)
                        {
                            await AsyncIO.Sleep(TimeSpan.FromHours(1));
                        }
                    });
                }
            }, "server");

            using var connected = new TcpClient();
            await connected.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            await AsyncIO.Sleep(0.05);
            server.Cancel();
            await AsyncIO.GatherSettled(server).WaitFor(Guard.UnexpectedTimeout);

            server.IsCanceled.ShouldBeTrue();
        });
    });
}
