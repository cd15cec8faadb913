using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>Every report names the user's method or task, never one of the library's own lambdas or types.</summary>
public class ReportNamesTests
{
    [Fact]
    public void SlowCallbackLog_MainsFirstStepAndAfterAwaits_NamesTheUsersMethod() => Guard.Run(() =>
    {
        var log = new StringWriter();

        // Every callback counts as slow: the log then names each one, and no test waits for anything to take long.
        AsyncIO.Run(UserMainAsync, new LoopOptions { Debug = true, SlowCallbackDuration = TimeSpan.Zero, Log = log });

        string text = log.ToString();
        text.ShouldContain("UserMainAsync");
        text.ShouldContain("task Task-");
        text.ShouldNotContain("<>c");
        text.ShouldNotContain("b__");
        text.ShouldNotContain("CompletionHook");
    });

    private static async Task UserMainAsync()
    {
        await AsyncIO.Sleep(0.001);
        await Task.Delay(1);
        await Task.Yield();
    }

    [Fact]
    public void StallReport_InMainsFirstStep_NamesTheTaskAndItsMethod() => Guard.Run(() =>
    {
        var released = new ManualResetEventSlim();
        var reports = new List<string>();
        using var loop = new LoopTaskScheduler(new LoopOptions { StallThreshold = TimeSpan.FromMilliseconds(50), Log = new StringWriter() });
        loop.SetExceptionHandler((_, context) =>
        {
            lock (reports)
            {
                reports.Add(context.Message);
            }

            released.Set();
        });

        Task BlockingMainAsync()
        {
            released.Wait(Guard.UnexpectedTimeout);
            return Task.CompletedTask;
        }

        loop.RunUntilComplete(BlockingMainAsync);

        string report = reports.ShouldHaveSingleItem();
        report.ShouldContain("BlockingMainAsync");
        report.ShouldNotContain("<>c");
        report.ShouldNotContain("b__");
    });

    [Fact]
    public void WaitFor_TimeoutMessage_GivesAReadableDuration() => Guard.Run(() =>
    {
        var never = new TaskCompletionSource<int>();
        TimeoutException timeout = Should.Throw<TimeoutException>(() => AsyncIO.Run(
            () => never.Task.WaitFor(TimeSpan.FromMilliseconds(300)),
            new LoopOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), AutoAdvance = true, AutoAdvanceThreshold = TimeSpan.Zero }));

        timeout.Message.ShouldContain("within 300 ms");
        timeout.Message.ShouldNotContain("00:00");
    });

    [Theory]
    [InlineData(0.0003, "300 us")]
    [InlineData(0.3, "300 ms")]
    [InlineData(1.0, "1 s")]
    [InlineData(1.5, "1.5 s")]
    [InlineData(90.0, "90 s")]
    [InlineData(3600.0, "1 h")]
    [InlineData(5400.0, "1.5 h")]
    public void Durations_Format_ReadsAsAPersonWouldWriteIt(double seconds, string expected) =>
        Durations.Format(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);

    [Fact]
    public void Timeout_Message_GivesAReadableDuration() => Guard.Run(() =>
    {
        TimeoutException timeout = Should.Throw<TimeoutException>(() => AsyncIO.Run(
            () => AsyncIO.Timeout(TimeSpan.FromSeconds(1), token => AsyncIO.Sleep(TimeSpan.FromHours(1), token).AsTask()),
            new LoopOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), AutoAdvance = true }));

        timeout.Message.ShouldContain("within 1 s");
    });

    [Fact]
    public void WaitFor_PlainTaskTimedOutAndCompletingAfterTheLoopClosed_ReportsNothing() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var plain = new TaskCompletionSource<int>();

        AsyncIO.Run(
            async () => await Should.ThrowAsync<TimeoutException>(() => plain.Task.WaitFor(TimeSpan.FromMilliseconds(10))),
            new LoopOptions { Log = log });
        plain.SetResult(1); // Its continuation runs here, on the test thread, and finds the loop closed.

        log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void TaskPendingAtClose_ItsBodyCompletingLater_ReportsTheUsersMethodNotALibraryType() => Guard.Run(() =>
    {
        var log = new StringWriter();
        var plain = new TaskCompletionSource<int>();
        var loop = new LoopTaskScheduler(new LoopOptions { Log = log });
        loop.SetExceptionHandler((_, _) => { });
        Task task = loop.CreateTask(async () => await plain.Task, "waiting-one");
        loop.RunUntilIdle();

        loop.Close();
        plain.SetResult(1);

        string text = log.ToString();
        text.ShouldContain("async method ReportNamesTests.lambda in TaskPendingAtClose_ItsBodyCompletingLater_ReportsTheUsersMethodNotALibraryType");
        text.ShouldNotContain("CompletionHook");
        text.ShouldNotContain("AsyncStateMachineBox");
        task.IsCompleted.ShouldBeFalse();
    });
}
