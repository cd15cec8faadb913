using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// Blocking code kept off the loop with <c>loop.run_in_executor</c>, while the loop goes on:
/// <code>
/// def blocking():
///     time.sleep(0.5)
///     print("Hello from a thread!")
///
/// async def main():
///     loop = asyncio.get_running_loop()
///     future = loop.run_in_executor(None, blocking)
///     print("Hello!")
///     await future
///     await asyncio.sleep(1.0)
///     print("Goodbye!")
/// </code>
/// The code after each <c>await</c> resumes on the loop thread, never on the executor's.
/// </summary>
internal static class ExecutorSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        var loop = AsyncIO.GetRunningLoop();
        Task blocking = loop.RunInExecutor(null, Blocking);
        Console.WriteLine($"{Clock.Now} Hello! (main on the loop thread {Environment.CurrentManagedThreadId})");

        await blocking;
        Console.WriteLine($"{Clock.Now} The executor is done; main resumed on thread {Environment.CurrentManagedThreadId}");

        await AsyncIO.Sleep(1.0);
        Console.WriteLine($"{Clock.Now} Goodbye! (main on thread {Environment.CurrentManagedThreadId})");
    }

    private static void Blocking()
    {
        Thread.Sleep(500);
        Console.WriteLine($"{Clock.Now} Hello from a thread! (thread {Environment.CurrentManagedThreadId})");
    }
}
