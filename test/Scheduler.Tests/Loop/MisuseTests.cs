using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class MisuseTests
{
    private static readonly Dictionary<string, Action<LoopTaskScheduler>> s_runs = new()
    {
        ["RunForever"] = loop => loop.RunForever(),
        ["RunUntilComplete(Task)"] = loop => loop.RunUntilComplete(Task.CompletedTask),
        ["RunUntilComplete(pending Task<T>)"] = loop => loop.RunUntilComplete(new TaskCompletionSource<int>().Task),
        ["RunUntilComplete(Func<Task>)"] = loop => loop.RunUntilComplete(() => Task.CompletedTask),
        ["RunUntilComplete(Func<Task<T>>)"] = loop => loop.RunUntilComplete(() => Task.FromResult(1)),
    };

    private static readonly Dictionary<string, Action<LoopTaskScheduler>> s_loopAffineSchedulers = new()
    {
        ["CallSoon(Action)"] = loop => loop.CallSoon(() => { }),
        ["CallSoon(Action<object>, object)"] = loop => loop.CallSoon(_ => { }, null),
        ["CallLater(TimeSpan, Action)"] = loop => loop.CallLater(TimeSpan.Zero, () => { }),
        ["CallLater(TimeSpan, Action<object>, object)"] = loop => loop.CallLater(TimeSpan.Zero, _ => { }, null),
        ["CallAt(TimeSpan, Action)"] = loop => loop.CallAt(TimeSpan.Zero, () => { }),
        ["CallAt(TimeSpan, Action<object>, object)"] = loop => loop.CallAt(TimeSpan.Zero, _ => { }, null),
    };

    private static readonly Dictionary<string, Action<LoopTaskScheduler>> s_nullArguments = new()
    {
        ["CallSoon(Action)"] = loop => loop.CallSoon(null!),
        ["CallSoon(Action<object>, object)"] = loop => loop.CallSoon(null!, 1),
        ["CallSoonThreadSafe(Action)"] = loop => loop.CallSoonThreadSafe(null!),
        ["CallSoonThreadSafe(Action<object>, object)"] = loop => loop.CallSoonThreadSafe(null!, 1),
        ["CallLater(TimeSpan, Action)"] = loop => loop.CallLater(TimeSpan.Zero, null!),
        ["CallLater(TimeSpan, Action<object>, object)"] = loop => loop.CallLater(TimeSpan.Zero, null!, 1),
        ["CallAt(TimeSpan, Action)"] = loop => loop.CallAt(TimeSpan.Zero, null!),
        ["CallAt(TimeSpan, Action<object>, object)"] = loop => loop.CallAt(TimeSpan.Zero, null!, 1),
        ["RunUntilComplete(Task)"] = loop => loop.RunUntilComplete((Task)null!),
        ["RunUntilComplete(Task<T>)"] = loop => loop.RunUntilComplete((Task<int>)null!),
        ["RunUntilComplete(Func<Task>)"] = loop => loop.RunUntilComplete((Func<Task>)null!),
        ["RunUntilComplete(Func<Task<T>>)"] = loop => loop.RunUntilComplete((Func<Task<int>>)null!),
        ["CreateTask(Func<Task>)"] = loop => loop.CreateTask((Func<Task>)null!),
        ["CreateTask(Func<Task<T>>)"] = loop => loop.CreateTask((Func<Task<int>>)null!),
        ["CreateTask(Func<CancellationToken, Task>)"] = loop => loop.CreateTask((Func<CancellationToken, Task>)null!),
        ["CreateTask(Func<CancellationToken, Task<T>>)"] = loop => loop.CreateTask((Func<CancellationToken, Task<int>>)null!),
        ["RunInExecutor(Func<T>)"] = loop => loop.RunInExecutor<int>(null, null!),
        ["RunInExecutor(Action)"] = loop => loop.RunInExecutor(null, null!),
        ["CallExceptionHandler"] = loop => loop.CallExceptionHandler(null!),
        ["DefaultExceptionHandler"] = loop => loop.DefaultExceptionHandler(null!),
    };

    public static TheoryData<string> Runs => [.. s_runs.Keys];

    public static TheoryData<string> LoopAffineSchedulers => [.. s_loopAffineSchedulers.Keys];

    public static TheoryData<string> NullArguments => [.. s_nullArguments.Keys];

    [Theory]
    [MemberData(nameof(Runs))]
    public void Run_OnTheLoopThreadWhileRunning_ThrowsAndTheRunGoesOn(string run) => Guard.Run(() =>
    {
        // If the refused run had left anything behind (a Stop, a stop-when-done continuation), the outer run would
        // end early: the three iterations prove it did not.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = Record.Exception(() => s_runs[run](loop));
            ran.Add($"misuse running={loop.IsRunning}");
            loop.CallSoon(() =>
            {
                ran.Add("second iteration");
                loop.CallSoon(() =>
                {
                    ran.Add("third iteration");
                    loop.Stop();
                });
            });
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("already running");
        ran.ShouldBe(["misuse running=True", "second iteration", "third iteration"]);
        loop.IsRunning.ShouldBeFalse();
        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
    });

    [Theory]
    [MemberData(nameof(Runs))]
    public void Run_FromAnotherThreadWhileRunning_ThrowsAndTheRunGoesOn(string run) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = OtherThread.Capture(() => s_runs[run](loop));
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("already running");
        ran.ShouldBe(["next iteration"]);
        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
    });

    [Theory]
    [MemberData(nameof(Runs))]
    public void Run_SecondLoopOnAThreadWhoseLoopRuns_ThrowsAndLeavesBothUsable(string run) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        using var other = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        Exception? thrown = null;
        bool otherRunning = true;
        loop.CallSoon(() =>
        {
            thrown = Record.Exception(() => s_runs[run](other.Loop));
            otherRunning = other.Loop.IsRunning;
            ran.Add($"first loop running={loop.IsRunning}");
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("another loop is running");
        otherRunning.ShouldBeFalse();
        ran.ShouldBe(["first loop running=True", "next iteration"]);

        // The refused loop starts nothing behind the caller's back (no task was created), and runs later.
        other.Loop.RunUntilComplete(() => Task.FromResult("second loop works")).ShouldBe("second loop works");
        other.Loop.Close();
        other.Log.ToString().ShouldBeEmpty();
    });

    [Theory]
    [MemberData(nameof(LoopAffineSchedulers))]
    public void CallMember_FromAnotherThreadWhileRunning_ThrowsNamingCallSoonThreadSafe(string member) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = OtherThread.Capture(() => s_loopAffineSchedulers[member](loop));
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("CallSoonThreadSafe");
        ran.ShouldBe(["next iteration"]);
        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
    });

    [Fact]
    public void CreateTask_FromAnotherThreadWhileRunning_Throws() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = OtherThread.Capture(() => loop.CreateTask(() => Task.CompletedTask));
            loop.Stop();
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>();
        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void LoopTimerHandle_CancelFromAnotherThreadWhileRunning_ThrowsAndTheTimerStillRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        LoopTimerHandle timer = loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("timer"));
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = OtherThread.Capture(timer.Cancel);
            loop.Stop();
        });
        loop.RunForever();

        test.Advance(TimeSpan.FromSeconds(1));

        thrown.ShouldBeOfType<InvalidOperationException>();
        timer.IsCancelled.ShouldBeFalse();
        ran.ShouldBe(["timer"]);
    });

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void Member_NullArgument_ThrowsArgumentNullAndTheLoopStillWorks(string member) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;

        Exception? outside = Record.Exception(() => s_nullArguments[member](loop));
        outside.ShouldBeOfType<ArgumentNullException>();

        // On the running loop too (a Run* there is refused as a nested run first, which is also right).
        if (!member.StartsWith("RunUntilComplete", StringComparison.Ordinal))
        {
            Exception? inside = loop.RunUntilComplete(() => Task.FromResult(Record.Exception(() => s_nullArguments[member](loop))));
            inside.ShouldBeOfType<ArgumentNullException>();
        }

        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void SetExceptionHandler_Null_IsAllowed() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        Should.NotThrow(() => test.Loop.SetExceptionHandler(null));

        test.Loop.GetExceptionHandler().ShouldBeNull();
    });
}
