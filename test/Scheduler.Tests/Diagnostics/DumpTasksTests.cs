using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class DumpTasksTests
{
    [Fact]
    public void DumpTasks_ThreeNestedTasks_ShowsEachWithWhatItAwaits() => Guard.Run(() =>
    {
        string dump = AsyncIO.Run(
            async () =>
            {
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task leaf = loop.CreateTask(Leaf, "leaf");
                Task middle = loop.CreateTask(() => Middle(leaf), "middle");
                Task top = loop.CreateTask(() => Top(middle), "top");
                await AsyncIO.Sleep(1);

                var text = new StringWriter();
                loop.DumpTasks(text);
                top.Cancel();
                middle.Cancel();
                leaf.Cancel();
                await AsyncIO.GatherSettled(top, middle, leaf);
                return text.ToString();
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider(), Debug = true, Log = new StringWriter() });

        dump.ShouldContain("4 pending task(s)");
        AssertInOrder(dump, "Task leaf: pending, age 1.000 s", "in DumpTasksTests.Leaf (async method, suspended at await #1)", "awaits AsyncIO.Sleep until");
        AssertInOrder(dump, "Task middle: pending", "in DumpTasksTests.Middle (async method, suspended at await #1)", "awaits task leaf");
        AssertInOrder(
            dump,
            "Task top: pending",
            "created at:",
            "DumpTasksTests.cs",
            "in DumpTasksTests.Top (async method, suspended at await #1)",
            "in DumpTasksTests.Inner (async method, suspended at await #1)",
            "awaits AsyncIO.Gather(middle)");
    });

    [Fact]
    public void DumpTasks_TaskWaitingOnAQueue_NamesTheWait() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var queue = new LoopQueue<int>();
        test.Loop.CreateTask(async () => await queue.GetAsync(), "consumer");
        test.RunUntilIdle();

        var text = new StringWriter();
        test.Loop.DumpTasks(text);

        AssertInOrder(text.ToString(), "Task consumer: pending", "awaits LoopQueue.GetAsync");
        text.ToString().ShouldNotContain("created at:", customMessage: "creation sites are captured in debug mode only");
    });

    [Fact]
    public void DumpTasks_TaskInAwaitForeachOverAQueue_NamesTheGet() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var queue = new LoopQueue<int>();
        test.Loop.CreateTask(
            async () =>
            {
                await foreach (int item in queue)
                {
                }
            },
            "consumer");
        test.RunUntilIdle();

        var text = new StringWriter();
        test.Loop.DumpTasks(text);

        AssertInOrder(text.ToString(), "Task consumer: pending", "awaits LoopQueue.GetAsync (await foreach)");
    });

    [Fact]
    public void DumpTasks_TaskWaitingOnACondition_NamesTheNotificationThenTheLockItTakesBack() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var condition = new LoopCondition();
        test.Loop.CreateTask(
            async () =>
            {
                await condition.AcquireAsync();
                await condition.WaitAsync();
                condition.Release();
            },
            "waiter");
        test.RunUntilIdle();

        string Dump()
        {
            var text = new StringWriter();
            test.Loop.DumpTasks(text);
            return text.ToString();
        }

        AssertInOrder(Dump(), "Task waiter: pending", "awaits LoopCondition.WaitAsync");

        test.OnLoop(() =>
        {
            condition.AcquireAsync().ShouldCompleteSynchronously();
            condition.Notify();
        });

        AssertInOrder(Dump(), "Task waiter: pending", "awaits LoopCondition.WaitAsync, taking the lock back (LoopLock.AcquireAsync)");

        test.OnLoop(condition.Release);
        Dump().ShouldContain("0 pending task(s)");
    });

    [Fact]
    public void AsyncIODumpTasks_WithoutALoop_Throws() =>
        Should.Throw<InvalidOperationException>(() => AsyncIO.DumpTasks(new StringWriter()));

    private static void AssertInOrder(string text, params string[] parts)
    {
        int at = 0;
        foreach (string part in parts)
        {
            int found = text.IndexOf(part, at, StringComparison.Ordinal);
            found.ShouldBeGreaterThanOrEqualTo(0, $"'{part}' after position {at} in:\n{text}");
            at = found + part.Length;
        }
    }

    private static async Task Top(Task middle) => await Inner(middle);

    private static async Task Inner(Task middle) => await AsyncIO.Gather(middle);

    private static async Task Middle(Task leaf) => await leaf;

    private static async Task Leaf() => await AsyncIO.Sleep(60);
}
