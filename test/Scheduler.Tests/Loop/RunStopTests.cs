using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class RunStopTests
{
    private const string StoppedMessage = "stopped before the task completed";

    [Fact]
    public void Stop_BeforeRunForever_RunsOneIterationThenReturns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("a");
            loop.CallSoon(() => ran.Add("a2"));
        });
        loop.CallSoon(() => ran.Add("b"));

        loop.Stop();
        loop.RunForever();

        ran.ShouldBe(["a", "b"]);
        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void Stop_BeforeRunForeverWithNothingQueued_ReturnsAtOnce() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });

        loop.Stop();
        loop.RunForever();

        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void Stop_BeforeRunForever_DueTimersRunInThatIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => ran.Add("due"));
        test.Loop.CallLater(TimeSpan.FromSeconds(3), () => ran.Add("not due"));
        test.Clock.Advance(TimeSpan.FromSeconds(2));

        test.Loop.Stop();
        test.Loop.RunForever();

        ran.ShouldBe(["due"]);
    });

    [Fact]
    public void Stop_FromCallback_CallbacksQueuedWhenIterationBeganStillRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() => ran.Add("before"));
        loop.CallSoon(() =>
        {
            ran.Add("stopper");
            loop.Stop();
            loop.CallSoon(() => ran.Add("next iteration"));
        });
        loop.CallSoon(() => ran.Add("after 1"));
        loop.CallSoon(() => ran.Add("after 2"));

        loop.RunForever();

        ran.ShouldBe(["before", "stopper", "after 1", "after 2"]);
    });

    [Fact]
    public void RunForever_AfterStop_RunsAgainFromWhereItStopped() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<int>();
        int round = 0;
        void Tick()
        {
            ran.Add(round);
            if (++round % 3 == 0)
            {
                loop.Stop();
            }

            if (round < 9)
            {
                loop.CallSoon(Tick);
            }
        }

        loop.CallSoon(Tick);
        loop.RunForever();
        ran.ShouldBe([0, 1, 2]);
        loop.RunForever();
        ran.ShouldBe([0, 1, 2, 3, 4, 5]);
        loop.RunForever();
        ran.ShouldBe([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    });

    [Fact]
    public void Stop_FromAnotherThread_WakesAnIdleLoop() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        Thread loopThread = Thread.CurrentThread;
        Thread stopper = OtherThread.Start(() =>
        {
            OtherThread.WaitUntilBlocked(loopThread);
            loop.Stop();
        });

        loop.RunForever();
        stopper.Join();

        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void Stop_FromAnotherThread_WakesALoopAsleepUntilAFarTimer() => Guard.Run(() =>
    {
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, Log = new System.IO.StringWriter() });
        using var asleep = new ManualResetEventSlim();
        clock.OnArmed = _ => asleep.Set();
        bool fired = false;
        loop.CallLater(TimeSpan.FromHours(1), () => fired = true);
        Thread stopper = OtherThread.Start(() =>
        {
            asleep.Wait();
            loop.Stop();
        });

        loop.RunForever();
        stopper.Join();

        fired.ShouldBeFalse();
        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void RunForever_WhileRunning_IsRunningOnTheCallingThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int caller = Environment.CurrentManagedThreadId;
        bool runningInside = false;
        int ranOn = 0;
        loop.IsRunning.ShouldBeFalse();
        loop.CallSoon(() =>
        {
            runningInside = loop.IsRunning;
            ranOn = Environment.CurrentManagedThreadId;
            loop.Stop();
        });

        loop.RunForever();

        runningInside.ShouldBeTrue();
        ranOn.ShouldBe(caller);
        loop.IsRunning.ShouldBeFalse();
        loop.IsClosed.ShouldBeFalse();
    });

    [Fact]
    public void RunUntilComplete_Task_ReturnsOnceTheTaskCompletes() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var done = new TaskCompletionSource();
        var ran = new List<string>();
        test.Loop.CallSoon(() => ran.Add("first"));
        test.Loop.CallSoon(() =>
        {
            ran.Add("completer");
            test.Loop.CallSoon(done.SetResult);
        });

        test.Loop.RunUntilComplete(done.Task);

        done.Task.IsCompletedSuccessfully.ShouldBeTrue();
        ran.ShouldBe(["first", "completer"]);
        test.Loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void RunUntilComplete_TaskOfT_ReturnsItsResult() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var done = new TaskCompletionSource<int>();
        test.Loop.CallLater(TimeSpan.Zero, () => done.SetResult(42));

        test.Loop.RunUntilComplete(done.Task).ShouldBe(42);
    });

    [Fact]
    public void RunUntilComplete_FuncTask_RunsTheDelegateOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int caller = Environment.CurrentManagedThreadId;
        var seen = new List<string>();

        loop.RunUntilComplete(async () =>
        {
            seen.Add($"running={loop.IsRunning} same thread={Environment.CurrentManagedThreadId == caller} loop={ReferenceEquals(AsyncIO.GetRunningLoop(), loop)}");
            await Task.Yield();
            seen.Add($"resumed same thread={Environment.CurrentManagedThreadId == caller}");
        });

        seen.ShouldBe(["running=True same thread=True loop=True", "resumed same thread=True"]);
    });

    [Fact]
    public void RunUntilComplete_FuncTaskOfT_ReturnsItsResult() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int caller = Environment.CurrentManagedThreadId;

        string result = loop.RunUntilComplete(async () =>
        {
            await Task.Yield();
            return Environment.CurrentManagedThreadId == caller ? "on loop" : "elsewhere";
        });

        result.ShouldBe("on loop");
    });

    [Fact]
    public void RunUntilComplete_FuncTask_DoesNotStartTheDelegateInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() => ran.Add("queued before"));

        loop.RunUntilComplete(() =>
        {
            ran.Add("main");
            return Task.CompletedTask;
        });

        ran.ShouldBe(["queued before", "main"]);
    });

    [Theory]
    [InlineData("Task")]
    [InlineData("Task<T>")]
    [InlineData("Func<Task>")]
    [InlineData("Func<Task<T>>")]
    [InlineData("Func<Task> throwing synchronously")]
    public void RunUntilComplete_TaskFails_RethrowsItsExceptionUnwrapped(string form) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var failure = new FormatException("boom");
        void Run()
        {
            switch (form)
            {
                case "Task":
                    var done = new TaskCompletionSource();
                    loop.CallSoon(() => done.SetException(failure));
                    loop.RunUntilComplete(done.Task);
                    break;
                case "Task<T>":
                    var doneOfT = new TaskCompletionSource<int>();
                    loop.CallSoon(() => doneOfT.SetException(failure));
                    loop.RunUntilComplete(doneOfT.Task);
                    break;
                case "Func<Task>":
                    loop.RunUntilComplete(async () =>
                    {
                        await Task.Yield();
                        throw failure;
                    });
                    break;
                case "Func<Task<T>>":
                    loop.RunUntilComplete<int>(async () =>
                    {
                        await Task.Yield();
                        throw failure;
                    });
                    break;
                case "Func<Task> throwing synchronously":
                    loop.RunUntilComplete(new Func<Task>(() => throw failure));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(form));
            }
        }

        Exception? thrown = Record.Exception(Run);

        thrown.ShouldBeSameAs(failure);
        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void RunUntilComplete_CancelledTask_ThrowsOperationCanceled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var done = new TaskCompletionSource<int>();
        test.Loop.CallSoon(() => done.SetCanceled());

        Exception? thrown = Record.Exception(() => test.Loop.RunUntilComplete(done.Task));

        thrown.ShouldBeAssignableTo<OperationCanceledException>();
    });

    [Fact]
    public void RunUntilComplete_AlreadyCompletedTask_RunsOneIterationAndReturns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("queued before");
            loop.CallSoon(() => ran.Add("next iteration"));
        });

        loop.RunUntilComplete(Task.FromResult(7)).ShouldBe(7);

        ran.ShouldBe(["queued before"]);
    });

    [Theory]
    [InlineData("Task")]
    [InlineData("Task<T>")]
    [InlineData("Func<Task>")]
    [InlineData("Func<Task<T>>")]
    public void RunUntilComplete_StoppedBeforeTheTaskCompletes_ThrowsInvalidOperation(string form) => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var never = new TaskCompletionSource<int>();
        void Run()
        {
            switch (form)
            {
                case "Task":
                    loop.CallSoon(loop.Stop);
                    loop.RunUntilComplete((Task)never.Task);
                    break;
                case "Task<T>":
                    loop.CallSoon(loop.Stop);
                    loop.RunUntilComplete(never.Task);
                    break;
                case "Func<Task>":
                    loop.RunUntilComplete(async () =>
                    {
                        loop.Stop();
                        await never.Task;
                    });
                    break;
                case "Func<Task<T>>":
                    loop.RunUntilComplete(async () =>
                    {
                        loop.Stop();
                        return await never.Task;
                    });
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(form));
            }
        }

        Exception? thrown = Record.Exception(Run);

        thrown.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain(StoppedMessage);
        loop.IsRunning.ShouldBeFalse();
        loop.IsClosed.ShouldBeFalse();

        // The loop runs again, and finishes the work left behind.
        loop.CallSoon(() => never.SetResult(5));
        loop.RunUntilComplete(never.Task).ShouldBe(5);
    });

    [Fact]
    public void RunUntilComplete_AfterAStoppedRun_TheOldTaskDoesNotStopALaterRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var old = new TaskCompletionSource();
        loop.CallSoon(loop.Stop);
        Should.Throw<InvalidOperationException>(() => loop.RunUntilComplete(old.Task));

        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("completes the old task");
            old.SetResult();
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });
        loop.RunForever();

        ran.ShouldBe(["completes the old task", "next iteration"]);
    });

    [Fact]
    public void RunUntilComplete_TaskCompletedFromAnotherThread_WakesTheIdleLoop() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        Thread loopThread = Thread.CurrentThread;
        var done = new TaskCompletionSource<string>();
        Thread completer = OtherThread.Start(() =>
        {
            OtherThread.WaitUntilBlocked(loopThread);
            done.SetResult("from afar");
        });

        string result = loop.RunUntilComplete(done.Task);
        completer.Join();

        result.ShouldBe("from afar");
        loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void RunUntilComplete_Twice_OnTheSameLoop_BothReturn() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        int first = test.Loop.RunUntilComplete(() => Task.FromResult(1));
        int second = test.Loop.RunUntilComplete(() => Task.FromResult(2));

        (first, second).ShouldBe((1, 2));
    });
}
