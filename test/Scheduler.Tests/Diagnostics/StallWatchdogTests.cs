using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The stall watchdog. A blocked callback here waits for the watchdog's own report to let it go, so no test depends on
/// how long anything takes; the deadlock guard bounds them all.
/// </summary>
public class StallWatchdogTests
{
    private static readonly TimeSpan s_threshold = TimeSpan.FromMilliseconds(100);

    public static TheoryData<string, bool> BlockingCalls => new()
    {
        // What .NET 10 on Linux tells a SynchronizationContext that asks for wait notifications (true), and what only
        // the watchdog's own sampling catches (false).
        { "Task.Wait", true },
        { "Task.Result", true },
        { "GetAwaiter().GetResult()", true },
        { "WaitHandle.WaitOne", true },
        { "ManualResetEventSlim.Wait", true },
        { "Monitor.Wait", true },
        { "SemaphoreSlim.Wait", true },
        { "Thread.Sleep", false },
    };

    [Theory]
    [MemberData(nameof(BlockingCalls))]
    public void BlockingCallOnTheLoopThread_IsReportedOnce_WithTheSynchronousWaitNamedWhenTheRuntimeTellsIt(string call, bool notified) => Guard.Run(() =>
    {
        var released = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handle = new ManualResetEvent(false);
        var slim = new ManualResetEventSlim();
        var semaphore = new SemaphoreSlim(0);
        var monitor = new object();
        bool pulsed = false;
        var reports = new List<LoopStallException>();
        using var loop = new LoopTaskScheduler(new LoopOptions { StallThreshold = s_threshold, Log = new StringWriter() });
        loop.SetExceptionHandler((_, context) =>
        {
            lock (reports)
            {
                reports.Add((LoopStallException)context.Exception!);
            }

            // The report is what unblocks the callback.
            released.TrySetResult(1);
            handle.Set();
            slim.Set();
            semaphore.Release();
            lock (monitor)
            {
                pulsed = true;
                Monitor.PulseAll(monitor);
            }
        });

        void Block()
        {
            switch (call)
            {
                case "Task.Wait": released.Task.Wait(); break;
                case "Task.Result": _ = released.Task.Result; break;
                case "GetAwaiter().GetResult()": released.Task.GetAwaiter().GetResult(); break;
                case "WaitHandle.WaitOne": handle.WaitOne(); break;
                case "ManualResetEventSlim.Wait": slim.Wait(); break;
                case "SemaphoreSlim.Wait": semaphore.Wait(); break;
                case "Monitor.Wait":
                    lock (monitor)
                    {
                        while (!pulsed)
                        {
                            Monitor.Wait(monitor);
                        }
                    }

                    break;
                default:
                    while (!released.Task.IsCompleted)
                    {
                        Thread.Sleep(5);
                    }

                    break;
            }
        }

        loop.RunUntilComplete(loop.CreateTask(async () =>
        {
            await Task.Yield();
            Block();
        }));

        reports.Count.ShouldBe(1);
        reports[0].InSynchronousWait.ShouldBe(notified);
        reports[0].Message.ShouldContain("blocked");
        reports[0].BlockedFor.ShouldBeGreaterThanOrEqualTo(s_threshold);
        if (notified)
        {
            reports[0].Message.ShouldContain("await it instead");
        }
    });

    [Fact]
    public void SyncOverAsyncDeadlock_IsReportedNamingTheFix_AndTheLoopRunsOnOnceUnblocked() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { StallThreshold = s_threshold, Log = new StringWriter() });
        var needsTheLoop = new TaskCompletionSource<int>();
        LoopExceptionContext? report = null;
        loop.SetExceptionHandler((_, context) =>
        {
            report = context;

            // Plays the part of the fix: the work the callback waits for completes without the loop.
            needsTheLoop.TrySetResult(2);
        });

        int result = loop.RunUntilComplete(loop.CreateTask(async () =>
        {
            await Task.Yield();

            // The classic deadlock: block the loop thread on work only the loop can run.
            AsyncIO.GetRunningLoop().CallSoon(() => needsTheLoop.TrySetResult(1));
            int value = needsTheLoop.Task.Result;
            await AsyncIO.Sleep(0);
            return value;
        }));

        result.ShouldBe(2);
        report.ShouldNotBeNull();
        report.Message.ShouldContain("waiting synchronously");
        report.Message.ShouldContain("await it instead");
        ((LoopStallException)report.Exception!).InSynchronousWait.ShouldBeTrue();
    });

    [Fact]
    public void LongStall_IsReportedOncePerStall() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { StallThreshold = s_threshold, Log = new StringWriter() });
        int reports = 0;
        var firstReport = new ManualResetEventSlim();
        loop.SetExceptionHandler((_, _) =>
        {
            Interlocked.Increment(ref reports);
            firstReport.Set();
        });

        loop.CallSoon(() =>
        {
            firstReport.Wait();

            // Keep holding the loop while the watcher looks several more times.
            int checks = loop.Watchdog!.Checks;
            while (loop.Watchdog.Checks < checks + 6)
            {
                Thread.Yield();
            }
        });
        loop.CallSoon(loop.Stop);
        loop.RunForever();

        reports.ShouldBe(1);
    });

    [Fact]
    public void Watchdog_IsOffByDefault_AndOnInDebugMode() => Guard.Run(() =>
    {
        using var plain = new LoopTaskScheduler();
        using var debug = new LoopTaskScheduler(new LoopOptions { Debug = true, Log = new StringWriter() });
        using var debugOff = new LoopTaskScheduler(new LoopOptions { Debug = true, StallThreshold = Timeout.InfiniteTimeSpan, Log = new StringWriter() });

        plain.Watchdog.ShouldBeNull();
        debug.Watchdog.ShouldNotBeNull();
        debug.Watchdog.Threshold.ShouldBe(LoopOptions.DefaultStallThreshold);
        debugOff.Watchdog.ShouldBeNull();
    });

    [Fact]
    public void IdleLoop_WithTheWatchdogOn_IsNoStall() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { StallThreshold = s_threshold, Log = new StringWriter() });
        int reports = 0;
        loop.SetExceptionHandler((_, _) => Interlocked.Increment(ref reports));
        var watched = new ManualResetEventSlim();

        // The loop sleeps in its own wait while another thread lets the watcher look several times.
        var waker = new Thread(() =>
        {
            while (loop.Watchdog!.Checks < 8)
            {
                Thread.Yield();
            }

            loop.Stop();
        });
        loop.CallSoon(waker.Start);
        loop.RunForever();
        waker.Join();

        reports.ShouldBe(0);
    });
}
