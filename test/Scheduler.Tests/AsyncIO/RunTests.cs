using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>AsyncIO.Run</c>: asyncio.run's result, exceptions and shutdown sequence.</summary>
public class RunTests
{
    private static LoopOptions VirtualTime() => new() { AutoAdvance = true, TimeProvider = new FakeTimeProvider(), Log = new StringWriter() };

    [Fact]
    public void Run_MainReturnsValue_ReturnsIt() => Guard.Run(() =>
    {
        int result = AsyncIO.Run(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            return 42;
        }, VirtualTime());

        result.ShouldBe(42);
    });

    [Fact]
    public void Run_MainWithoutResult_RunsItToTheEnd() => Guard.Run(() =>
    {
        bool finished = false;

        AsyncIO.Run(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            finished = true;
        }, VirtualTime());

        finished.ShouldBeTrue();
    });

    [Fact]
    public void Run_MainRunsOnTheCallingThread() => Guard.Run(() =>
    {
        int caller = Environment.CurrentManagedThreadId;

        int ranOn = AsyncIO.Run(() => Task.FromResult(Environment.CurrentManagedThreadId));

        ranOn.ShouldBe(caller);
    });

    [Fact]
    public void Run_MainThrows_RethrowsTheExceptionUnwrapped() => Guard.Run(() =>
    {
        var boom = new FormatException("main failed");

        Exception caught = Should.Throw<Exception>(() => AsyncIO.Run(async () =>
        {
            await AsyncIO.Sleep(0);
            throw boom;
        }, VirtualTime()));

        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void Run_MainWithResultThrows_RethrowsTheExceptionUnwrapped() => Guard.Run(() =>
    {
        var boom = new FormatException("main failed");

        Exception caught = Should.Throw<Exception>(() => AsyncIO.Run<int>(async () =>
        {
            await AsyncIO.Sleep(0);
            throw boom;
        }, VirtualTime()));

        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void Run_MainThrowsSynchronously_RethrowsTheExceptionUnwrapped() => Guard.Run(() =>
    {
        var boom = new FormatException("main failed before its first await");

        Exception caught = Should.Throw<Exception>(() => AsyncIO.Run(() => throw boom));

        caught.ShouldBeSameAs(boom);
    });

    [Fact]
    public void Run_TaskStillPendingAfterMain_IsCancelledAndItsCleanupCanStillSleep() => Guard.Run(() =>
    {
        var events = new List<string>();
        Task? pending = null;

        AsyncIO.Run(async () =>
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pending = AsyncIO.GetRunningLoop().CreateTask(async () =>
            {
                started.SetResult();
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    events.Add("woke normally");
                }
                catch (OperationCanceledException)
                {
                    events.Add("cancelled");
                    await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
                    events.Add("cleaned up");
                    throw;
                }
            });
            await started.Task;
            events.Add("main returns");
        });

        events.ShouldBe(["main returns", "cancelled", "cleaned up"]);
        pending!.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Run_WithAutoAdvance_TaskSleepingWhenMainReturns_IsCancelledBeforeTheClockMovesOn() => Guard.Run(() =>
    {
        // Repeated: a scheduling race decides the outcome, so one lucky run must not hide a failure.
        for (int i = 0; i < 20; i++)
        {
            RunMainThatLeavesASleepingTask();
        }
    });

    private static void RunMainThatLeavesASleepingTask()
    {
        var events = new List<string>();
        Task? pending = null;

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            TimeSpan start = loop.Time();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pending = loop.CreateTask(async () =>
            {
                started.SetResult();
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    events.Add("woke normally");
                }
                finally
                {
                    events.Add($"finally at {loop.Time() - start}");
                    await AsyncIO.Sleep(TimeSpan.FromSeconds(5));
                    events.Add($"cleaned up at {loop.Time() - start}");
                }
            });
            await started.Task;
            events.Add("main returns");
        }, VirtualTime());

        events.ShouldBe(["main returns", "finally at 00:00:00", "cleaned up at 00:00:05"]);
        pending!.IsCanceled.ShouldBeTrue();
    }

    [Fact]
    public void Run_PendingTaskFailsDuringShutdown_IsReportedToTheExceptionHandler() => Guard.Run(() =>
    {
        var reported = new List<LoopExceptionContext>();
        var failure = new InvalidOperationException("cleanup failed");
        Task? pending = null;

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            loop.SetExceptionHandler((_, context) => reported.Add(context));
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pending = loop.CreateTask(
                async () =>
                {
                    started.SetResult();
                    try
                    {
                        await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    }
                    catch (OperationCanceledException)
                    {
                        throw failure;
                    }
                },
                "failing-cleanup");
            await started.Task;
        });

        LoopExceptionContext context = reported.ShouldHaveSingleItem();
        context.Message.ShouldBe("unhandled exception during AsyncIO.Run() shutdown");
        context.Exception.ShouldBeSameAs(failure);
        context.Task.ShouldBeSameAs(pending);
        context.Task!.GetName().ShouldBe("failing-cleanup");
    });

    [Fact]
    public void Run_PendingTaskEndsCancelledDuringShutdown_IsNotReported() => Guard.Run(() =>
    {
        var reported = new List<LoopExceptionContext>();

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            loop.SetExceptionHandler((_, context) => reported.Add(context));
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = loop.CreateTask(async () =>
            {
                started.SetResult();
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
            });
            await started.Task;
        });

        reported.ShouldBeEmpty();
    });

    [Fact]
    public void Run_ExecutorWorkStillRunningAfterMain_IsWaitedFor() => Guard.Run(() =>
    {
        int finished = 0;
        using var mainDone = new ManualResetEventSlim();

        AsyncIO.Run(() =>
        {
            Task mainTask = AsyncIO.CurrentTask()!;
            mainTask.ContinueWith(_ => mainDone.Set(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            AsyncIO.GetRunningLoop().RunInExecutor(null, () =>
            {
                // Still running after main ended: Run must wait for it before closing the loop.
                mainDone.Wait();
                Volatile.Write(ref finished, 1);
            });
            return Task.CompletedTask;
        }, VirtualTime());

        Volatile.Read(ref finished).ShouldBe(1);
    });

    [Fact]
    public void Run_Afterwards_TheLoopIsClosed() => Guard.Run(() =>
    {
        LoopTaskScheduler? loop = null;

        AsyncIO.Run(() =>
        {
            loop = AsyncIO.GetRunningLoop();
            return Task.CompletedTask;
        });

        loop!.IsRunning.ShouldBeFalse();
        loop.IsClosed.ShouldBeTrue();
        Should.Throw<InvalidOperationException>(AsyncIO.GetRunningLoop);
    });

    [Fact]
    public void Run_MainThrows_TheLoopIsClosedToo() => Guard.Run(() =>
    {
        LoopTaskScheduler? loop = null;

        Should.Throw<FormatException>(() => AsyncIO.Run(() =>
        {
            loop = AsyncIO.GetRunningLoop();
            throw new FormatException();
        }));

        loop!.IsClosed.ShouldBeTrue();
    });

    [Fact]
    public void Run_InsideARunningLoop_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        bool innerRan = false;

        string result = AsyncIO.Run(async () =>
        {
            Should.Throw<InvalidOperationException>(() => AsyncIO.Run(() =>
            {
                innerRan = true;
                return Task.CompletedTask;
            }));
            Should.Throw<InvalidOperationException>(() => AsyncIO.Run(() => Task.FromResult(1)));
            await AsyncIO.Sleep(0);
            return "outer loop still fine";
        });

        result.ShouldBe("outer loop still fine");
        innerRan.ShouldBeFalse();
    });

    [Fact]
    public void Run_InsideALoopCallback_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Exception? error = null;
        test.Loop.CallSoon(() => error = Record(() => AsyncIO.Run(() => Task.CompletedTask)));

        test.RunUntilIdle();

        error.ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void Run_NullMain_ThrowsArgumentNullException() => Guard.Run(() =>
    {
        Should.Throw<ArgumentNullException>(() => AsyncIO.Run((Func<Task>)null!));
        Should.Throw<ArgumentNullException>(() => AsyncIO.Run((Func<Task<int>>)null!));
    });

    [Fact]
    public void Run_LegacyMainShape_ReturnsTheExitCode() => Guard.Run(() =>
    {
        LegacyMain(["a", "b", "c"]).ShouldBe(3);
        LegacyMain([]).ShouldBe(0);
    });

    private static int LegacyMain(string[] a) => AsyncIO.Run(() => MainAsync(a));

    private static async Task<int> MainAsync(string[] args)
    {
        await AsyncIO.Sleep(0);
        return args.Length;
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
