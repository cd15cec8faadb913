using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopSmokeTests
{
    [Fact]
    public void CallLater_OnFakeClock_RunsOnlyOnceDue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("late"));

        test.RunUntilIdle();
        ran.ShouldBeEmpty();

        test.Advance(TimeSpan.FromMilliseconds(999));
        ran.ShouldBeEmpty();

        test.Advance(TimeSpan.FromMilliseconds(1));
        ran.ShouldBe(["late"]);
    });

    [Fact]
    public void AsyncIORun_SleepOfAnHour_WithAutoAdvance_ReturnsResult() => Guard.Run(() =>
    {
        int result = AsyncIO.Run(
            async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
                return 42;
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });

        result.ShouldBe(42);
    });
}
