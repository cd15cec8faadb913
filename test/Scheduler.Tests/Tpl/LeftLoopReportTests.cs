using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Debug mode reports a StartNew or ContinueWith without a scheduler that went to the thread pool because the runtime
/// had cleared TaskScheduler.Current on the loop's thread (an await resumed inline), and nothing else.
/// </summary>
public class LeftLoopReportTests
{
    [Fact]
    public void StartNewWithoutScheduler_AfterAnInlineResume_IsReportedInDebugMode() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        Task<Task<int>> main = test.Loop.CreateTask(async () =>
        {
            await ResumedInlineAsync();
            return Task.Factory.StartNew(() => Environment.CurrentManagedThreadId);
        });
        test.RunUntilIdle();

        main.Result.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        string log = test.Log.ToString();
        log.ShouldContain("Task.Factory.StartNew(lambda in");
        log.ShouldContain("left the loop for the thread pool");
        log.ShouldContain(nameof(StartNewWithoutScheduler_AfterAnInlineResume_IsReportedInDebugMode));
    });

    [Fact]
    public void ContinueWithWithoutScheduler_AfterAnInlineResume_IsReportedWhenItsAntecedentCompletes() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        var antecedent = new TaskCompletionSource<int>();
        Task<Task> main = test.Loop.CreateTask(async () =>
        {
            await ResumedInlineAsync();
            return antecedent.Task.ContinueWith(_ => { });
        });
        test.RunUntilIdle();
        test.Log.ToString().ShouldBeEmpty("not reported before it is queued: it may still go where it was meant to");

        antecedent.SetResult(1);
        main.Result.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        test.Log.ToString().ShouldContain("ContinueWith(lambda in");
    });

    [Fact]
    public void TaskStartWithoutScheduler_AfterAnInlineResume_IsReported() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        Task<Task> main = test.Loop.CreateTask(async () =>
        {
            await ResumedInlineAsync();
            var manual = new Task(() => { });
            manual.Start();
            return manual;
        });
        test.RunUntilIdle();

        main.Result.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        test.Log.ToString().ShouldContain("Task.Start");
        test.Log.ToString().ShouldContain("(lambda in TaskStartWithoutScheduler");
    });

    [Fact]
    public void WhatStaysOnTheLoop_OrMeansThePool_IsNotReported() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: true);
        Task<Task[]> main = test.Loop.CreateTask(async () =>
        {
            Task stays = Task.Factory.StartNew(() => { }); // Current is the loop here: it stays
            await ResumedInlineAsync();
            Task pool = Task.Run(() => { });
            Task named = Task.Factory.StartNew(() => { }, CancellationToken.None, TaskCreationOptions.None, test.Loop);
            Task continued = Task.CompletedTask.ContinueWith(_ => { }, test.Loop);
            return new[] { stays, pool, named, continued };
        });
        test.RunUntilIdle();
        test.RunUntilIdle();

        Task.WaitAll(main.Result, TimeSpan.FromSeconds(10)).ShouldBeTrue();
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void WithoutDebugMode_NothingIsReported() => Guard.Run(() =>
    {
        using var test = new TestLoop(debug: false);
        Task<Task<int>> main = test.Loop.CreateTask(async () =>
        {
            await ResumedInlineAsync();
            return Task.Factory.StartNew(() => 1);
        });
        test.RunUntilIdle();

        main.Result.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        test.Log.ToString().ShouldBeEmpty();
    });

    /// <summary>Returns to its caller inline on the loop's thread: where the runtime clears TaskScheduler.Current.</summary>
    private static async Task ResumedInlineAsync() => await AsyncIO.Sleep(0.0);
}
