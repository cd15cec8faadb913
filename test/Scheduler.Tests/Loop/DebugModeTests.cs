using System;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Debug mode logs callbacks slower than <see cref="LoopTaskScheduler.SlowCallbackDuration"/>. The slow callbacks
/// below block with <see cref="Thread.Sleep(TimeSpan)"/> far beyond a 1 ms threshold: that is the behaviour under
/// test, not a timing assertion, and no duration is asserted.
/// </summary>
public class DebugModeTests
{
    private static readonly TimeSpan s_blocking = TimeSpan.FromMilliseconds(30);

    [Fact]
    public void Debug_SlowCallback_IsLoggedWithItsDuration() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallSoon(SlowCallback);

        test.RunUntilIdle();

        string log = test.Log.ToString();
        log.ShouldContain("took");
        log.ShouldContain("seconds");
    });

    [Fact]
    public void Debug_SlowCallback_LogNamesTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallSoon(SlowCallback);

        test.RunUntilIdle();

        test.Log.ToString().ShouldContain(nameof(SlowCallback));
    });

    [Fact]
    public void Debug_SlowTimerCallback_IsLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallLater(TimeSpan.FromSeconds(1), SlowCallback);

        test.Advance(TimeSpan.FromSeconds(1));

        test.Log.ToString().ShouldContain("took");
    });

    [Fact]
    public void Debug_SlowCallbackWithState_IsLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallSoon(SlowStateCallback, null);

        test.RunUntilIdle();

        test.Log.ToString().ShouldContain("took");
    });

    [Fact]
    public void Debug_Off_SlowCallbackIsNotLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: false);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallSoon(SlowCallback);

        test.RunUntilIdle();

        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void Debug_CallbackFasterThanTheThreshold_IsNotLogged() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        test.Loop.SlowCallbackDuration = TimeSpan.FromHours(1);
        test.Loop.CallSoon(SlowCallback);

        test.RunUntilIdle();

        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void Debug_SwitchedOnWhileTheLoopExists_LogsFromThen() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: false);
        test.Loop.SlowCallbackDuration = TimeSpan.FromMilliseconds(1);
        test.Loop.CallSoon(SlowCallback);
        test.RunUntilIdle();
        test.Log.ToString().ShouldBeEmpty();

        test.Loop.Debug = true;
        test.Loop.CallSoon(SlowCallback);
        test.RunUntilIdle();

        test.Log.ToString().ShouldContain("took");
    });

    [Fact]
    public void Debug_SlowResumptionFromAConditionWait_NamesTheMethodAndTheWait() => Guard.Run(() =>
    {
        // A threshold of zero logs every callback: the one that resumes the waiter must name its method, not the
        // delegate that carries the condition wait's step.
        using var test = new TestLoop(debug: true);
        var condition = new LoopCondition();
        var done = new LoopEvent();
        test.Loop.CreateTask(async () =>
        {
            await condition.AcquireAsync();
            await condition.WaitAsync();
            condition.Release();

            // Still suspended when the log names it: a finished method's state machine is gone in a Debug build.
            await done.WaitAsync();
        });
        test.RunUntilIdle();
        test.Loop.SlowCallbackDuration = TimeSpan.Zero;

        test.OnLoop(() =>
        {
            condition.AcquireAsync().ShouldCompleteSynchronously();
            condition.Notify();
            condition.Release();
        });

        test.Log.ToString().ShouldContain($"lambda in {nameof(Debug_SlowResumptionFromAConditionWait_NamesTheMethodAndTheWait)}, resumed from LoopCondition.WaitAsync took");
        condition.Locked.ShouldBeFalse();
        test.OnLoop(done.Set);
    });

    [Fact]
    public void Debug_Defaults_AreOffAndOneHundredMilliseconds()
    {
        using var loop = new LoopTaskScheduler();
        using var debugLoop = new LoopTaskScheduler(new LoopOptions { Debug = true });

        loop.Debug.ShouldBeFalse();
        loop.SlowCallbackDuration.ShouldBe(TimeSpan.FromMilliseconds(100));
        debugLoop.Debug.ShouldBeTrue();
    }

    private static void SlowCallback() => Thread.Sleep(s_blocking);

    private static void SlowStateCallback(object? state) => Thread.Sleep(s_blocking);
}
