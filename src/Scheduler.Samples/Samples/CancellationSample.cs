using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// Where C# differs from asyncio (docs/asyncio-to-scheduler.md): hot tasks, cancellation delivered at the next
/// loop-aware await, tokens that stay cancelled, plain awaits that cannot be interrupted, TaskGroup failures as one
/// <see cref="AggregateException"/>, and <c>AsyncIO.Timeout</c>.
/// </summary>
internal static class CancellationSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        LoopTaskScheduler loop = AsyncIO.GetRunningLoop();

        // 1. Hot tasks. Calling an async method runs it at once, up to its first await; asyncio's coroutine object
        //    would not run until awaited. CreateTask starts its body in a later loop iteration, as create_task does.
        Task hot = Step("called directly");
        Task scheduled = loop.CreateTask(() => Step("via CreateTask"));
        Console.WriteLine("after both calls");
        await AsyncIO.Gather(hot, scheduled);

        // 2. task.Cancel(): one OperationCanceledException at the task's next loop-aware await; the cleanup after it can
        //    await normally, and rethrowing ends the task Canceled.
        Task worker = loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(3600);
            }
            catch (OperationCanceledException)
            {
                await AsyncIO.Sleep(0.01);
                Console.WriteLine("worker cleaned up after its cancellation");
                throw;
            }
        }, "worker");
        await AsyncIO.Sleep(0.01);
        Console.WriteLine($"worker.Cancel() returned {worker.Cancel()}");
        await AsyncIO.GatherSettled(worker);
        Console.WriteLine($"worker is {worker.Status}");

        // 3. Tokens: the Func<CancellationToken, Task> forms hand the body a token that Cancel() fires, for the .NET
        //    APIs that take one. Unlike asyncio's cancelled state, a .NET token stays cancelled.
        Task download = loop.CreateTask(async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
        }, "download");
        await AsyncIO.Sleep(0.01);
        download.Cancel();
        await AsyncIO.GatherSettled(download);
        Console.WriteLine($"download (Task.Delay with the task's token) is {download.Status}");

        // 4. A plain await of another task cannot be interrupted by Cancel(); awaiting it through Gather can.
        var never = new TaskCompletionSource();
        Task waiter = loop.CreateTask(async () => await AsyncIO.Gather(never.Task), "waiter");
        await AsyncIO.Sleep(0.01);
        waiter.Cancel();
        await AsyncIO.GatherSettled(waiter);
        Console.WriteLine($"waiter (await AsyncIO.Gather(other)) is {waiter.Status}");

        // 5. AsyncIO.Timeout: the token fires at the deadline and the cancellation comes out as TimeoutException.
        try
        {
            await AsyncIO.Timeout(TimeSpan.FromMilliseconds(20), async token => await AsyncIO.Sleep(3600, token));
        }
        catch (TimeoutException)
        {
            Console.WriteLine("AsyncIO.Timeout threw TimeoutException");
        }

        // 6. TaskGroup: the first failure cancels the siblings; every failure comes out in one AggregateException.
        try
        {
            await using var group = new TaskGroup();
            _ = group.CreateTask(async () =>
            {
                await AsyncIO.Sleep(0.01);
                throw new InvalidOperationException("boom");
            });
            _ = group.CreateTask(async () => await AsyncIO.Sleep(3600));
        }
        catch (AggregateException failures)
        {
            Console.WriteLine($"TaskGroup: {failures.InnerExceptions.Count} failure, {failures.InnerException!.Message}");
        }
    }

    private static async Task Step(string how)
    {
        Console.WriteLine($"{how}: body runs");
        await AsyncIO.Sleep(0);
        Console.WriteLine($"{how}: after its first await");
    }
}
