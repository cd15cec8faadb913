using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Each kind of failure is reported, the loop keeps running, and nothing queued behind the failure is lost.
/// </summary>
[Collection(MeterCollection.Name)]
public class FaultTests
{
    [Fact]
    public void CallSoonAndCallLater_EveryThirdCallbackThrows_EachReportedAndEveryOtherRunsOnceInOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var reported = new List<Exception?>();
        loop.SetExceptionHandler((_, context) => reported.Add(context.Exception));
        var ran = new List<int>();
        var thrown = new List<Exception?>();
        const int Callbacks = 3_000;
        for (int i = 0; i < Callbacks; i++)
        {
            int id = i;
            Action callback = () =>
            {
                if (id % 3 == 0)
                {
                    var failure = new InvalidOperationException($"callback {id} fails");
                    thrown.Add(failure);
                    throw failure;
                }

                ran.Add(id);
            };

            // Soon ones first, then timers at one shared deadline: both kinds run in scheduling order.
            if (id < Callbacks / 2)
            {
                loop.CallSoon(callback);
            }
            else
            {
                loop.CallLater(TimeSpan.FromSeconds(1), callback);
            }
        }

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        ran.ShouldBe(Enumerable.Range(0, Callbacks).Where(i => i % 3 != 0));
        reported.ShouldBe(thrown);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void CreateTask_BodiesThrowBeforeAndAfterAwaits_TasksKeepTheirExceptionsAndTheLoopGoesOn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var reported = new List<LoopExceptionContext>();
        loop.SetExceptionHandler((_, context) => reported.Add(context));
        var failures = Enumerable.Range(0, 4).Select(i => new FormatException($"body {i}")).ToArray();
        var order = new List<string>();

        Task beforeAwait = loop.CreateTask(() => throw failures[0]);
        Task afterYield = loop.CreateTask(async () =>
        {
            await Task.Yield();
            throw failures[1];
        });
        Task afterSleep = loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            throw failures[2];
        });
        Task onScheduler = new TaskFactory(loop).StartNew(() => throw failures[3]);
        for (int i = 0; i < 5; i++)
        {
            int id = i;
            loop.CallSoon(() => order.Add($"soon {id}"));
        }

        loop.CallLater(TimeSpan.FromSeconds(1), () => order.Add("timer"));

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        Task[] tasks = [beforeAwait, afterYield, afterSleep, onScheduler];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i].IsFaulted.ShouldBeTrue();
            tasks[i].Exception!.InnerExceptions.ShouldBe([failures[i]]);
        }

        order.ShouldBe(["soon 0", "soon 1", "soon 2", "soon 3", "soon 4", "timer"]);

        // A task keeps its exception (TPL rules): nothing goes to the handler while the task can still be observed.
        reported.ShouldBeEmpty();
        GC.KeepAlive(tasks);
    });

    [Fact]
    public void AddDoneCallback_OneOfThreeThrows_ReportedWithItsTaskAndTheOthersRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var reported = new List<LoopExceptionContext>();
        loop.SetExceptionHandler((_, context) => reported.Add(context));
        var failure = new ArithmeticException("done callback fails");
        var order = new List<string>();
        Task task = loop.CreateTask(async () => await AsyncIO.Sleep(TimeSpan.FromSeconds(1)));
        task.AddDoneCallback(_ => order.Add("first"));
        task.AddDoneCallback(_ => throw failure);
        task.AddDoneCallback(_ => order.Add("third"));
        loop.CallLater(TimeSpan.FromSeconds(2), () => order.Add("later timer"));

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));
        order.Add("after 1 s");
        test.Advance(TimeSpan.FromSeconds(1));

        order.ShouldBe(["first", "third", "after 1 s", "later timer"]);
        reported.Count.ShouldBe(1);
        reported[0].Exception.ShouldBeSameAs(failure);
        reported[0].Task.ShouldBeSameAs(task);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void AsyncVoid_ThrowsSynchronouslyAndAfterAwaits_EachReportedAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var reported = new List<Exception?>();
        loop.SetExceptionHandler((_, context) => reported.Add(context.Exception));
        var failures = Enumerable.Range(0, 3).Select(i => new NotSupportedException($"async void {i}")).ToArray();
        var order = new List<string>();

#pragma warning disable VSTHRD100, VSTHRD101 // async void on purpose: that is the fault under test.
        async void ThrowsAtOnce() => throw failures[0];

        async void ThrowsAfterYield()
        {
            await Task.Yield();
            throw failures[1];
        }

        async void ThrowsAfterSleep()
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            throw failures[2];
        }
#pragma warning restore VSTHRD100, VSTHRD101

        loop.CallSoon(() =>
        {
            ThrowsAtOnce();
            ThrowsAfterYield();
            ThrowsAfterSleep();
            order.Add("started all three");
            for (int i = 0; i < 3; i++)
            {
                int id = i;
                loop.CallSoon(() => order.Add($"soon {id}"));
            }
        });
        loop.CallLater(TimeSpan.FromSeconds(1), () => order.Add("timer"));

        test.RunUntilIdle();
        int pendingBeforeSleepEnds = loop.PendingOperations;
        test.Advance(TimeSpan.FromSeconds(1));

        order.ShouldBe(["started all three", "soon 0", "soon 1", "soon 2", "timer"]);
        reported.ShouldBe(failures.Cast<Exception?>());
        pendingBeforeSleepEnds.ShouldBe(1);
        loop.PendingOperations.ShouldBe(0);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void ExceptionHandler_ItselfThrows_DefaultHandlerLogsItAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int handled = 0;
        test.Loop.SetExceptionHandler((_, context) =>
        {
            handled++;
            throw new InvalidCastException($"handler fails on: {context.Exception?.Message}");
        });
        List<int> order = ScheduleEveryOtherThrowing(test.Loop, 10);

        test.RunUntilIdle();

        order.ShouldBe([1, 3, 5, 7, 9]);
        handled.ShouldBe(5);
        string log = test.Log.ToString();
        for (int id = 0; id < 10; id += 2)
        {
            log.ShouldContain($"InvalidCastException: handler fails on: callback {id} fails");
        }
    });

    /// <summary>
    /// When the handler fails, the failure it was handling must still reach the log: otherwise the callback's exception
    /// (type, message, stack) is lost. asyncio logs the original context, exception included, with the handler's error.
    /// </summary>
    [Fact]
    public void ExceptionHandler_ItselfThrows_TheOriginalExceptionStillReachesTheLog() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        test.Loop.SetExceptionHandler((_, _) => throw new InvalidCastException("handler fails"));
        ScheduleEveryOtherThrowing(test.Loop, 2);

        test.RunUntilIdle();

        test.Log.ToString().ShouldContain("TimeZoneNotFoundException: callback 0 fails");
    });

    /// <summary>
    /// A hostile exception, whose <c>Message</c> throws, through the default handler: it must still not stop the loop
    /// (the default handler "never throws"), and the callbacks queued behind still run.
    /// </summary>
    [Fact]
    public void CallSoon_ThrowsAnExceptionWhoseMessageThrows_DefaultHandlerSurvivesAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        test.Loop.CallSoon(() => throw new HostileException());
        test.Loop.CallSoon(() => order.Add("queued behind"));

        Exception? escaped = Record.Exception(test.RunUntilIdle);

        escaped.ShouldBeNull("the default exception handler threw, and that escaped the loop's run");
        order.ShouldBe(["queued behind"]);
        test.Log.ToString().ShouldContain(nameof(HostileException));
    });

    [Fact]
    public void ExceptionHandler_ThrowsAndTheLogThrowsToo_LoopKeepsRunning() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new ThrowingWriter(), TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });
        loop.SetExceptionHandler((_, _) => throw new InvalidOperationException("handler fails"));
        var order = new List<int>();
        for (int i = 0; i < 6; i++)
        {
            int id = i;
            loop.CallSoon(() =>
            {
                if (id % 2 == 0)
                {
                    throw new FormatException($"callback {id}");
                }

                order.Add(id);
            });
        }

        loop.RunUntilIdle();

        order.ShouldBe([1, 3, 5]);
    });

    /// <summary>
    /// The contract pinned here: the loop reads its clock at the top of each iteration; a clock that throws there is a
    /// failure of the loop's environment, reported to the exception handler like a failing callback, after which the loop
    /// keeps running (the next iteration reads the clock again). Nothing queued is lost and the run does not end early.
    /// </summary>
    [Fact]
    public void TimeProvider_GetTimestampThrowsSometimes_ReportedToTheHandlerAndTheRunGoesOn() => Guard.Run(() =>
    {
        var clock = new FlakyClock { FailEvery = 5 };
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, AutoAdvance = true, Log = new StringWriter() });
        var reported = new List<Exception?>();
        loop.SetExceptionHandler((_, context) => reported.Add(context.Exception));
        ClockWorkload work = ClockWorkload.Schedule(loop);
        clock.Armed = true;

        Exception? escaped = Record.Exception(() => loop.RunUntilComplete(work.Done));

        clock.Armed = false;
        escaped.ShouldBeNull($"the clock's failure escaped RunUntilComplete after {clock.Failures} failure(s) instead of going to the exception handler");
        work.Verify();
        reported.Count.ShouldBe(clock.Failures);
        reported.ShouldAllBe(e => e is ClockFailureException);
    });

    /// <summary>
    /// Whatever the loop does with a failing clock (report it, or let it out of <c>Run</c>), it must not lose queued
    /// work, run anything twice, or hang: run again after each escape, and everything completes exactly once.
    /// </summary>
    [Fact]
    public void TimeProvider_GetTimestampThrowsSometimes_NoQueuedWorkLostOrRunTwiceAcrossRuns() => Guard.Run(() =>
    {
        var clock = new FlakyClock { FailEvery = 3 };
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, AutoAdvance = true, Log = new StringWriter() });
        int reported = 0;
        loop.SetExceptionHandler((_, context) =>
        {
            context.Exception.ShouldBeOfType<ClockFailureException>();
            reported++;
        });
        ClockWorkload work = ClockWorkload.Schedule(loop);
        clock.Armed = true;

        int escapes = 0;
        for (int run = 0; run < 10_000 && !work.Done.IsCompleted; run++)
        {
            try
            {
                loop.RunUntilComplete(work.Done);
            }
            catch (ClockFailureException)
            {
                escapes++;
            }
        }

        clock.Armed = false;
        work.Done.IsCompletedSuccessfully.ShouldBeTrue();
        work.Verify();
        clock.Failures.ShouldBeGreaterThan(0);
        (escapes + reported).ShouldBe(clock.Failures);
    });

    /// <summary>Schedules <paramref name="count"/> callbacks; the even ones throw, the odd ones add their number to the list returned.</summary>
    private static List<int> ScheduleEveryOtherThrowing(LoopTaskScheduler loop, int count)
    {
        var order = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int id = i;
            loop.CallSoon(() =>
            {
                if (id % 2 == 0)
                {
                    throw new TimeZoneNotFoundException($"callback {id} fails");
                }

                order.Add(id);
            });
        }

        return order;
    }

    /// <summary>
    /// Work that reads no clock of its own once the loop runs (timers armed up front, callbacks chained with
    /// <c>CallSoon</c>): every clock read during the run is the loop's.
    /// </summary>
    private sealed class ClockWorkload
    {
        private const int Timers = 200;
        private const int Chains = 4;
        private const int ChainLength = 500;

        private readonly List<int> _timerOrder = [];
        private readonly int[] _chainNext = new int[Chains];
        private readonly TaskCompletionSource _done = new();
        private int _remaining = Timers + (Chains * ChainLength);

        public Task Done => _done.Task;

        public static ClockWorkload Schedule(LoopTaskScheduler loop)
        {
            var work = new ClockWorkload();
            for (int i = 0; i < Timers; i++)
            {
                int id = i;
                loop.CallLater(TimeSpan.FromMilliseconds(1 + (i / 2)), () =>
                {
                    work._timerOrder.Add(id);
                    work.Ran();
                });
            }

            for (int c = 0; c < Chains; c++)
            {
                int chain = c;
                void Link(int step)
                {
                    work._chainNext[chain].ShouldBe(step);
                    work._chainNext[chain] = step + 1;
                    work.Ran();
                    if (step + 1 < ChainLength)
                    {
                        loop.CallSoon(() => Link(step + 1));
                    }
                }

                loop.CallSoon(() => Link(0));
            }

            return work;
        }

        public void Verify()
        {
            _timerOrder.ShouldBe(Enumerable.Range(0, Timers));
            _chainNext.ShouldAllBe(n => n == ChainLength);
            _remaining.ShouldBe(0);
        }

        private void Ran()
        {
            if (--_remaining == 0)
            {
                _done.SetResult();
            }
        }
    }

    /// <summary>An exception that cannot be described: its message throws.</summary>
    private sealed class HostileException : Exception
    {
        public override string Message => throw new InvalidOperationException("the message of a hostile exception throws");
    }

    private sealed class ThrowingWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("log fails");

        public override void Write(string? value) => throw new IOException("log fails");

        public override void WriteLine(string? value) => throw new IOException("log fails");

        public override void Flush() => throw new IOException("log fails");
    }
}
