using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>AsyncIO.Run</c>'s shutdown: leftover tasks are cancelled the asyncio way and awaited.</summary>
public class RunShutdownTests
{
    [Fact]
    public void Run_LeftoverTasks_AreCancelledAndTheirCleanupRuns() => Guard.Run(() =>
    {
        var log = new List<string>();
        Task? leftover = null;

        AsyncIO.Run(
            () =>
            {
                leftover = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    }
                    catch (OperationCanceledException)
                    {
                        log.Add("cancelled");
                        await AsyncIO.Sleep(Seconds(1));
                        log.Add("cleaned up");
                        throw;
                    }
                });
                return AsyncIO.Sleep(TimeSpan.Zero).AsTask();
            },
            Options());

        log.ShouldBe(["cancelled", "cleaned up"]);
        leftover!.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Run_LeftoverTaskFailsWhenCancelled_FailureGoesToTheExceptionHandler() => Guard.Run(() =>
    {
        var contexts = new List<LoopExceptionContext>();
        Task? leftover = null;

        AsyncIO.Run(
            async () =>
            {
                AsyncIO.GetRunningLoop().SetExceptionHandler((_, context) => contexts.Add(context));
                leftover = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    }
                    catch (OperationCanceledException)
                    {
                        throw new InvalidOperationException("failed in cleanup");
                    }
                });
                await AsyncIO.Sleep(TimeSpan.Zero);
            },
            Options());

        leftover!.IsFaulted.ShouldBeTrue();
        contexts.ShouldContain(c => c.Task == leftover && c.Exception is InvalidOperationException);
    });
}
