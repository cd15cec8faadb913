using System;
using System.IO;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class DebugWarningsTests
{
    [Fact]
    public void CallLater_HugeDelayInDebugMode_IsLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);

        test.Loop.CallLater(TimeSpan.FromDays(2), () => { });
        test.Loop.CallLater(TimeSpan.FromHours(1), () => { });

        test.Log.ToString().ShouldContain("CallLater was given a delay of 2 days");
        test.Log.ToString().ShouldNotContain("01:00:00");
    });

    [Fact]
    public void CallLater_HugeDelayOutsideDebugMode_IsNotLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        test.Loop.CallLater(TimeSpan.FromDays(2), () => { });

        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void TimerCancel_AfterItFiredInDebugMode_IsLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        LoopTimerHandle timer = test.Loop.CallLater(TimeSpan.FromSeconds(1), () => { });
        test.Advance(TimeSpan.FromSeconds(1));

        timer.Cancel();

        test.Log.ToString().ShouldContain("LoopTimerHandle.Cancel() was called on a timer that had already fired");
    });

    [Fact]
    public void NeverRetrievedReport_InDebugMode_ShowsWhereTheTaskWasCreated() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var loop = new LoopTaskScheduler(new LoopOptions { Debug = true, Log = log });
        CreateFailingTask(loop);
        loop.CallSoon(loop.Stop);
        loop.RunForever();

        loop.Close();

        log.ToString().ShouldContain("Task exception was never retrieved (task failing)");
        log.ToString().ShouldContain("task created at:");
        log.ToString().ShouldContain(nameof(CreateFailingTask));
    });

    private static Task CreateFailingTask(LoopTaskScheduler loop) =>
        loop.CreateTask(() => Task.FromException(new InvalidOperationException("boom")), "failing");
}
