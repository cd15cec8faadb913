using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary><c>loop.CreateTask</c>, task names and <c>AsyncIO.CurrentTask()</c>.</summary>
public class CreateTaskTests
{
    [Fact]
    public void CreateTask_FromCallback_StartsAfterTheCallbackNotInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var log = new List<string>();
        test.Loop.CallSoon(() =>
        {
            Task task = test.Loop.CreateTask(() =>
            {
                log.Add("body");
                return Task.CompletedTask;
            });
            log.Add("created");
            task.IsCompleted.ShouldBeFalse();
        });

        test.RunUntilIdle();

        log.ShouldBe(["created", "body"]);
    });

    [Fact]
    public void CreateTask_InsideTask_StartsAfterTheCreatorSuspends() => Guard.Run(() =>
    {
        var log = new List<string>();
        AsyncIO.Run(
            async () =>
            {
                Task child = AsyncIO.GetRunningLoop().CreateTask(() =>
                {
                    log.Add("child");
                    return Task.CompletedTask;
                });
                log.Add("parent continues");
                await child;
                log.Add("parent resumed");
            },
            VirtualTime.Options());

        log.ShouldBe(["parent continues", "child", "parent resumed"]);
    });

    [Fact]
    public void CurrentTask_InsideTask_IsThatTaskAlsoAfterAwaits() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<Task?>();
        Task? task = null;
        task = test.Loop.CreateTask(async () =>
        {
            seen.Add(AsyncIO.CurrentTask());
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            seen.Add(AsyncIO.CurrentTask());
            await Task.Yield();
            seen.Add(AsyncIO.CurrentTask());
        });

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        task.IsCompletedSuccessfully.ShouldBeTrue();
        seen.Count.ShouldBe(3);
        seen.ShouldAllBe(t => ReferenceEquals(t, task));
    });

    [Fact]
    public void CurrentTask_TwoInterleavedTasks_EachSeesItself() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<(string, Task?)>();
        Task? a = null;
        Task? b = null;
        a = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            seen.Add(("a", AsyncIO.CurrentTask()));
        });
        b = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            seen.Add(("b", AsyncIO.CurrentTask()));
        });

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        seen.Count.ShouldBe(2);
        seen[0].Item2.ShouldBeSameAs(a);
        seen[1].Item2.ShouldBeSameAs(b);
    });

    [Fact]
    public void CurrentTask_InPlainCallbackAfterTasksRan_IsNull() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<Task?>();
        test.Loop.CreateTask(() => Task.CompletedTask);
        test.Loop.CallSoon(() => seen.Add(AsyncIO.CurrentTask()));
        test.RunUntilIdle();
        test.Loop.CallSoon(() => seen.Add(AsyncIO.CurrentTask()));
        test.RunUntilIdle();

        seen.ShouldBe([null, null]);
        AsyncIO.CurrentTask().ShouldBeNull();
    });

    [Fact]
    public void GetName_Default_IsTaskNWithNIncreasing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task first = test.Loop.CreateTask(() => Task.CompletedTask);
        Task second = test.Loop.CreateTask(() => Task.CompletedTask);

        first.GetName().ShouldMatch(@"^Task-\d+$");
        second.GetName().ShouldMatch(@"^Task-\d+$");
        int n1 = int.Parse(first.GetName()["Task-".Length..], CultureInfo.InvariantCulture);
        int n2 = int.Parse(second.GetName()["Task-".Length..], CultureInfo.InvariantCulture);
        n2.ShouldBeGreaterThan(n1);

        test.RunUntilIdle();
    });

    [Fact]
    public void GetName_ReadLaterAndOutOfOrder_KeepsTheOrderTheTasksWereMadeIn() => Guard.Run(() =>
    {
        // The string is made on first read; the number is taken when the task is made, as asyncio's counter.
        using var test = new TestLoop();
        Task first = test.Loop.CreateTask(() => Task.CompletedTask);
        Task second = test.Loop.CreateTask(() => Task.CompletedTask);
        test.RunUntilIdle();

        int n2 = int.Parse(second.GetName()["Task-".Length..], CultureInfo.InvariantCulture);
        int n1 = int.Parse(first.GetName()["Task-".Length..], CultureInfo.InvariantCulture);

        n2.ShouldBeGreaterThan(n1);
        first.GetName().ShouldBeSameAs(first.GetName());
    });

    [Fact]
    public void GetName_GivenNameOrSetName_IsReturned() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task named = test.Loop.CreateTask(() => Task.CompletedTask, "worker");
        named.GetName().ShouldBe("worker");

        named.SetName("renamed");
        named.GetName().ShouldBe("renamed");
        test.RunUntilIdle();
    });

    [Fact]
    public void CreateTask_TheTask_IsKnownThroughItsStateWithoutAWeakTableEntry() => Guard.Run(() =>
    {
        // A weak-table entry per task is a dependent handle that every GC scans until a gen2 GC frees it: with many
        // tasks made, GC pauses grew round after round. The loop task's promise carries its state instead.
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(() => Task.CompletedTask, "found");

        LoopTaskState.TryGet(task, out LoopTaskState? state).ShouldBeTrue();
        state!.Task.ShouldBeSameAs(task);
        task.GetName().ShouldBe("found");
        LoopTaskState.IsInWeakTable(task).ShouldBeFalse();
        test.RunUntilIdle();
        task.IsCompletedSuccessfully.ShouldBeTrue();
    });
}
