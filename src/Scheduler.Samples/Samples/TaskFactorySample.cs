using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// Existing TPL code, unchanged, scheduled onto a loop that runs on a thread of its own (Nito.AsyncEx's
/// <c>AsyncContextThread</c> use): every piece runs on the loop thread, one at a time.
/// </summary>
internal static class TaskFactorySample
{
    public static void Run()
    {
        LoopTaskScheduler loop = RunOnLoopThread();
        Console.WriteLine($"LoopThread disposed; loop closed: {loop.IsClosed}");
    }

    private static LoopTaskScheduler RunOnLoopThread()
    {
        using var thread = new LoopThread(new LoopOptions { Name = "loop" });
        int loopThreadId = thread.ManagedThreadId;
        var threadIds = new List<int>();

        // Runs on the loop thread only, so the list needs no lock; the caller reads it after waiting.
        void Report(string piece)
        {
            threadIds.Add(Environment.CurrentManagedThreadId);
            Console.WriteLine($"  {piece,-58} thread {Environment.CurrentManagedThreadId} ({Thread.CurrentThread.Name})");
        }

        Console.WriteLine($"caller on thread {Environment.CurrentManagedThreadId}, LoopThread '{thread.Loop.Name}' on thread {loopThreadId}");

        // Each piece is waited for before the next starts, so the lines come out in this order.
        var factory = new TaskFactory(thread.Loop);
        Task<int> started = factory.StartNew(() =>
        {
            Report("new TaskFactory(thread.Loop).StartNew");
            return 42;
        });
        started.Wait();

        Task continued = started.ContinueWith(
            antecedent => Report($"ContinueWith(..., thread.Loop) after {antecedent.Result}"),
            thread.Loop);
        continued.Wait();

        Task nested = factory.StartNew(() =>
        {
            Report("StartNew, outer");

            // The point of this piece: the nested StartNew names no scheduler and picks up TaskScheduler.Current, the loop.
            return Task.Factory.StartNew(() =>
                Report($"Task.Factory.StartNew inside (Current is the loop: {TaskScheduler.Current == thread.Loop})"));
        }).Unwrap();
        nested.Wait();

        Task awaiting = factory.StartNew(async () =>
        {
            Report("StartNew(async ...), before await Task.Delay(100)");
            await Task.Delay(100);
            Report("StartNew(async ...), after await Task.Delay(100)");
        }).Unwrap();
        awaiting.Wait();

        Console.WriteLine($"every piece ran on the loop thread {loopThreadId}: {threadIds.TrueForAll(id => id == loopThreadId)}");
        return thread.Loop;
    }
}
