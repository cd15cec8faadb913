using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>tasks.AsCompleted()</c>, as asyncio's <c>as_completed</c>.</summary>
public class AsCompletedTests
{
    private static Task<string> Sleeper(double seconds, string result) =>
        AsyncIO.GetRunningLoop().CreateTask(async () =>
        {
            await AsyncIO.Sleep(Seconds(seconds));
            return result;
        });

    [Fact]
    public void AsCompleted_YieldsInCompletionOrder() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<string>[] tasks = [Sleeper(3, "three"), Sleeper(1, "one"), Sleeper(2, "two")];
                var seen = new List<string>();

                await foreach (Task<string> next in tasks.AsCompleted())
                {
                    next.IsCompleted.ShouldBeTrue();
                    seen.Add($"{await next}@{(Now - start).TotalSeconds}");
                }

                seen.ShouldBe(["one@1", "two@2", "three@3"]);
            },
            Options());
    });

    [Fact]
    public void AsCompleted_FailedTask_IsYieldedInItsTurn() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<string> failing = AsyncIO.GetRunningLoop().CreateTask<string>(async () =>
                {
                    await AsyncIO.Sleep(Seconds(1));
                    throw new InvalidOperationException("boom");
                });
                Task<string>[] tasks = [Sleeper(2, "two"), failing];
                var seen = new List<Task<string>>();

                await foreach (Task<string> next in tasks.AsCompleted())
                {
                    seen.Add(next);
                }

                seen.ShouldBe([failing, tasks[0]]);
                failing.IsFaulted.ShouldBeTrue();
            },
            Options());
    });

    [Fact]
    public void AsCompleted_Timeout_ThrowsTimeoutExceptionForTheRest() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<string> fast = Sleeper(1, "fast");
                Task<string> slow = Sleeper(5, "slow");
                Task<string> slower = Sleeper(10, "slower");
                var seen = new List<string>();

                await ShouldThrowOnLoopAsync<TimeoutException>(async () =>
                {
                    await foreach (Task<string> next in new[] { slower, fast, slow }.AsCompleted(Seconds(2)))
                    {
                        seen.Add(await next);
                    }
                });

                seen.ShouldBe(["fast"]);
                (Now - start).ShouldBe(Seconds(2));

                // as_completed cancels nothing.
                slow.IsCompleted.ShouldBeFalse();
                slower.IsCompleted.ShouldBeFalse();
                (await slow).ShouldBe("slow");
                (await slower).ShouldBe("slower");
            },
            Options());
    });

    [Fact]
    public void AsCompleted_AlreadyCompletedTasks_AreYieldedFirst() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task<string> later = Sleeper(1, "later");
                Task<string> done = Task.FromResult("done");
                var seen = new List<string>();

                await foreach (Task<string> next in new[] { later, done }.AsCompleted())
                {
                    seen.Add(await next);
                }

                seen.ShouldBe(["done", "later"]);
            },
            Options());
    });
}
