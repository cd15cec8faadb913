using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class CloseTests
{
    private static readonly Dictionary<string, Action<LoopTaskScheduler>> s_membersThatThrowWhenClosed = new()
    {
        ["RunForever"] = loop => loop.RunForever(),
        ["RunUntilComplete(Task)"] = loop => loop.RunUntilComplete(Task.CompletedTask),
        ["RunUntilComplete(Task<T>)"] = loop => loop.RunUntilComplete(Task.FromResult(1)),
        ["RunUntilComplete(Func<Task>)"] = loop => loop.RunUntilComplete(() => Task.CompletedTask),
        ["RunUntilComplete(Func<Task<T>>)"] = loop => loop.RunUntilComplete(() => Task.FromResult(1)),
        ["CallSoon(Action)"] = loop => loop.CallSoon(() => { }),
        ["CallSoon(Action<object>, object)"] = loop => loop.CallSoon(_ => { }, null),
        ["CallSoonThreadSafe(Action)"] = loop => loop.CallSoonThreadSafe(() => { }),
        ["CallSoonThreadSafe(Action<object>, object)"] = loop => loop.CallSoonThreadSafe(_ => { }, null),
        ["CallLater(TimeSpan, Action)"] = loop => loop.CallLater(TimeSpan.FromSeconds(1), () => { }),
        ["CallLater(TimeSpan, Action<object>, object)"] = loop => loop.CallLater(TimeSpan.FromSeconds(1), _ => { }, null),
        ["CallAt(TimeSpan, Action)"] = loop => loop.CallAt(loop.Time(), () => { }),
        ["CallAt(TimeSpan, Action<object>, object)"] = loop => loop.CallAt(loop.Time(), _ => { }, null),
        ["CreateTask(Func<Task>)"] = loop => loop.CreateTask(() => Task.CompletedTask),
        ["CreateTask(Func<Task<T>>)"] = loop => loop.CreateTask(() => Task.FromResult(1)),
        ["CreateTask(Func<CancellationToken, Task>)"] = loop => loop.CreateTask(_ => Task.CompletedTask),
        ["CreateTask(Func<CancellationToken, Task<T>>)"] = loop => loop.CreateTask(_ => Task.FromResult(1)),
    };

    public static TheoryData<string> MembersThatThrowWhenClosed => [.. s_membersThatThrowWhenClosed.Keys];

    [Theory]
    [MemberData(nameof(MembersThatThrowWhenClosed))]
    public void Close_ThenMember_ThrowsInvalidOperationSayingClosed(string member) => Guard.Run(() =>
    {
        var test = new TestLoop();
        test.Loop.Close();

        Exception? thrown = Record.Exception(() => s_membersThatThrowWhenClosed[member](test.Loop));

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("closed");
        test.Loop.IsClosed.ShouldBeTrue();
        test.Loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void Close_AfterARun_ClosesTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        test.Loop.IsClosed.ShouldBeFalse();
        test.Loop.RunUntilComplete(() => Task.FromResult(1));

        test.Loop.Close();

        test.Loop.IsClosed.ShouldBeTrue();
        test.Loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void Close_Twice_IsIdempotent() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        test.Loop.Close();
        test.Loop.Close();
        test.Loop.Dispose();

        test.Loop.IsClosed.ShouldBeTrue();
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void Close_WhileRunning_ThrowsAndLeavesTheLoopRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        Exception? thrown = null;
        bool closedAfter = true;
        bool runningAfter = false;
        loop.CallSoon(() =>
        {
            thrown = Record.Exception(loop.Close);
            closedAfter = loop.IsClosed;
            runningAfter = loop.IsRunning;
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>();
        closedAfter.ShouldBeFalse();
        runningAfter.ShouldBeTrue();
        ran.ShouldBe(["next iteration"]);
        loop.IsClosed.ShouldBeFalse();
    });

    [Fact]
    public void Dispose_WhileRunning_ThrowsAndLeavesTheLoopRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = Record.Exception(loop.Dispose);
            loop.Stop();
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>();
        loop.IsClosed.ShouldBeFalse();
        loop.RunUntilComplete(() => Task.FromResult("still works")).ShouldBe("still works");
    });

    [Fact]
    public void Close_FromAnotherThreadWhileRunning_Throws() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        Exception? thrown = null;
        loop.CallSoon(() =>
        {
            thrown = OtherThread.Capture(loop.Close);
            loop.Stop();
        });

        loop.RunForever();

        thrown.ShouldBeOfType<InvalidOperationException>();
        loop.IsClosed.ShouldBeFalse();
    });

    [Fact]
    public void Close_WithQueuedCallbacksAndTimers_NeverRunsThem() => Guard.Run(() =>
    {
        var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() => ran.Add("soon"));
        loop.CallSoonThreadSafe(() => ran.Add("threadsafe"));
        OtherThread.Run(() => loop.CallSoonThreadSafe(() => ran.Add("posted from afar")));
        loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("timer"));
        loop.CallAt(loop.Time(), () => ran.Add("due timer"));

        loop.Close();
        test.Clock.Advance(TimeSpan.FromHours(1));

        ran.ShouldBeEmpty();
        Should.Throw<InvalidOperationException>(loop.RunForever);
        ran.ShouldBeEmpty();
    });

    [Fact]
    public void Close_WithQueuedCallbacksAndTimers_DropsThemForTheCollector() => Guard.Run(() =>
    {
        var test = new TestLoop();
        WeakReference[] captured = QueueCallbacksCapturingObjects(test);

        test.Loop.Close();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        captured.ShouldAllBe(reference => !reference.IsAlive);
    });

    [Fact]
    public void Close_WithPendingTask_ReportsItOnce() => Guard.Run(() =>
    {
        var test = new TestLoop();
        var never = new TaskCompletionSource();
        test.Loop.CallSoon(test.Loop.Stop);
        Should.Throw<InvalidOperationException>(() => test.Loop.RunUntilComplete(() => never.Task));

        test.Loop.Close();
        test.Loop.Close();

        string log = test.Log.ToString();
        log.ShouldContain("Task was destroyed but it is pending!");
        log.IndexOf("Task was destroyed", StringComparison.Ordinal).ShouldBe(log.LastIndexOf("Task was destroyed", StringComparison.Ordinal));
    });

    /// <summary>Queues work that alone holds an object each; returns weak references to those objects.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] QueueCallbacksCapturingObjects(TestLoop test)
    {
        var soon = new object();
        var state = new object();
        var posted = new object();
        var timer = new object();
        var timerState = new object();
        test.Loop.CallSoon(() => GC.KeepAlive(soon));
        test.Loop.CallSoon(_ => { }, state);
        test.Loop.CallSoonThreadSafe(() => GC.KeepAlive(posted));
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => GC.KeepAlive(timer));
        test.Loop.CallAt(TimeSpan.MaxValue, _ => { }, timerState);
        return [new(soon), new(state), new(posted), new(timer), new(timerState)];
    }
}
