using System;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// asyncio's queue example: workers consume a queue of sleep times, <c>join</c> waits until every item is done, then the
/// workers are cancelled while they wait on the empty queue.
/// <code>
/// async def worker(name, queue):
///     while True:
///         sleep_for = await queue.get()
///         await asyncio.sleep(sleep_for)
///         queue.task_done()
///         print(f'{name} has slept for {sleep_for:.2f} seconds')
///
/// async def main():
///     queue = asyncio.Queue()
///     for _ in range(20): queue.put_nowait(random.uniform(0.05, 1.0))
///     tasks = [asyncio.create_task(worker(f'worker-{i}', queue)) for i in range(3)]
///     await queue.join()
///     for task in tasks: task.cancel()
///     await asyncio.gather(*tasks, return_exceptions=True)
/// </code>
/// The sleeps are ten times shorter here, so the sample runs in well under a second.
/// </summary>
internal static class ProducerConsumerSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        var loop = AsyncIO.GetRunningLoop();
        var queue = new LoopQueue<double>();
        var random = new Random(42);
        double totalSleepTime = 0;
        for (int i = 0; i < 20; i++)
        {
            double sleepFor = 0.005 + (random.NextDouble() * 0.095);
            totalSleepTime += sleepFor;
            queue.TryPut(sleepFor);
        }

        var tasks = new Task[3];
        for (int i = 0; i < tasks.Length; i++)
        {
            string name = $"worker-{i}";
            tasks[i] = loop.CreateTask(() => Worker(name, queue));
        }

        TimeSpan startedAt = loop.Time();
        await queue.JoinAsync();
        TimeSpan totalSleptFor = loop.Time() - startedAt;

        foreach (Task task in tasks)
        {
            task.Cancel();
        }

        Task[] settled = await AsyncIO.GatherSettled(tasks);
        Console.WriteLine("====");
        Console.WriteLine($"3 workers slept in parallel for {totalSleptFor.TotalSeconds:F2} seconds");
        Console.WriteLine($"total expected sleep time: {totalSleepTime:F2} seconds");
        Console.WriteLine($"workers after cancel: {string.Join(", ", Array.ConvertAll(settled, t => t.Status.ToString()))}");
    }

    private static async Task Worker(string name, LoopQueue<double> queue)
    {
        while (true)
        {
            // Cancelling the worker ends this wait with OperationCanceledException: the task ends Canceled.
            double sleepFor = await queue.GetAsync();
            await AsyncIO.Sleep(sleepFor);
            queue.TaskDone();
            Console.WriteLine($"{name} has slept for {sleepFor:F2} seconds");
        }
    }
}
