using System;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

public class OffLoopTests
{
    [Fact]
    public void Combinators_OffTheLoop_GiveTheSameResultsOnThePool() => Guard.Run(() =>
    {
        // No loop runs on this thread: sleeps are Task.Delay and timeouts system timers.
        AsyncIO.Gather(Slow(3, 0.02), Slow(1, 0.01)).GetAwaiter().GetResult().ShouldBe([3, 1]);
        Slow(5, 0).WaitFor(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ShouldBe(5);
        Should.Throw<TimeoutException>(() => new TaskCompletionSource<int>().Task.WaitFor(TimeSpan.FromMilliseconds(10)).GetAwaiter().GetResult());
        AsyncIO.Timeout(TimeSpan.FromSeconds(30), _ => Task.FromResult(9)).GetAwaiter().GetResult().ShouldBe(9);
        (var done, var pending) = AsyncIO.Wait([Task.CompletedTask, new TaskCompletionSource<int>().Task], ReturnWhen.FirstCompleted).GetAwaiter().GetResult();
        done.Count.ShouldBe(1);
        pending.Count.ShouldBe(1);
        AsyncIO.ToThread(() => 4).GetAwaiter().GetResult().ShouldBe(4);
    });

    [Fact]
    public void LoopOnlyFunctions_OffTheLoop_SayALoopIsNeeded() => Guard.Run(() =>
    {
        Should.Throw<InvalidOperationException>(() => AsyncIO.GetRunningLoop()).Message.ShouldContain("No event loop is running");
        Should.Throw<InvalidOperationException>(() => new TaskGroup()).Message.ShouldContain("No event loop is running");
        Should.Throw<InvalidOperationException>(() => new LoopQueue<int>().GetAsync().AsTask()).Message.ShouldContain("running event loop");
    });

    private static async Task<int> Slow(int value, double seconds)
    {
        await AsyncIO.Sleep(seconds);
        return value;
    }
}
