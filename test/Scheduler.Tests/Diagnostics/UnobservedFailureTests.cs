using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class UnobservedFailureTests
{
    [Fact]
    public void Close_FailedTaskNobodyObserved_IsReportedOnceWithItsName() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        loop.SetExceptionHandler((_, context) => reports.Add(context));
        Task failed = loop.CreateTask(() => Task.FromException(new InvalidOperationException("boom")), "doomed");
        loop.RunUntilComplete(AsyncIO.Sleep(0).AsTask().ContinueWith(_ => { }, loop));
        failed.IsFaulted.ShouldBeTrue();

        loop.Close();

        reports.Count.ShouldBe(1);
        reports[0].Message.ShouldBe("Task exception was never retrieved (task doomed)");
        reports[0].Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("boom");
        reports[0].Task.ShouldBeSameAs(failed);
    });

    [Fact]
    public void Close_FailedTaskThatWasAwaited_IsNotReported() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        loop.SetExceptionHandler((_, context) => reports.Add(context));
        Task failed = loop.CreateTask(() => Task.FromException(new InvalidOperationException("boom")));

        Should.Throw<InvalidOperationException>(() => loop.RunUntilComplete(failed));
        loop.Close();

        reports.ShouldBeEmpty();
    });

    [Fact]
    public void Close_PendingTask_IsReportedAsDestroyedButPending() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        loop.SetExceptionHandler((_, context) => reports.Add(context));
        var never = new TaskCompletionSource<int>();
        Task pending = loop.CreateTask(() => never.Task, "stuck");
        loop.CallSoon(loop.Stop);
        loop.RunForever();

        loop.Close();

        reports.Count.ShouldBe(1);
        reports[0].Message.ShouldBe("Task was destroyed but it is pending!");
        reports[0].Task.ShouldBeSameAs(pending);
    });

    [Fact]
    public void Collected_FailedTaskNobodyObserved_IsReportedOnTheLoop_AndNotAgainAtClose() => Guard.Run(() =>
    {
        var reports = new List<LoopExceptionContext>();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter(), Name = "gc-loop" });
        loop.SetExceptionHandler((_, context) => reports.Add(context));
        FailUnobserved(loop);

        for (int attempt = 0; attempt < 10 && reports.Count == 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            loop.CallSoon(loop.Stop);
            loop.RunForever();
        }

        loop.Close();

        reports.Count.ShouldBe(1);
        reports[0].Message.ShouldBe("Task exception was never retrieved (task collected)");
        reports[0].Exception.ShouldBeOfType<InvalidOperationException>();
    });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FailUnobserved(LoopTaskScheduler loop)
    {
        loop.CreateTask(() => Task.FromException(new InvalidOperationException("lost")), "collected");
        loop.CallSoon(loop.Stop);
        loop.RunForever();
    }
}
