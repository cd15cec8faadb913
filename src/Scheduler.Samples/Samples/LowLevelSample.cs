using System;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// The same program with the loop in plain sight, as the examples written before <c>asyncio.run</c> existed:
/// <code>
/// loop = asyncio.get_event_loop()
/// task = loop.create_task(main())
/// loop.run_until_complete(task)
/// loop.close()
/// </code>
/// </summary>
internal static class LowLevelSample
{
    public static void Run()
    {
        var loop = AsyncIO.GetEventLoop();
        var task = loop.CreateTask(MainAsync);
        loop.RunUntilComplete(task);
        loop.Close();
        Console.WriteLine($"{Clock.Now} task: {task.GetName()} {task.Status}; loop closed: {loop.IsClosed}");

        // Forget the closed loop, so the next GetEventLoop on this thread makes a new one.
        AsyncIO.SetEventLoop(null);
    }

    private static async Task MainAsync()
    {
        Console.WriteLine($"{Clock.Now} Hello!");
        await AsyncIO.Sleep(1.0);
        Console.WriteLine($"{Clock.Now} Goodbye!");
    }
}
