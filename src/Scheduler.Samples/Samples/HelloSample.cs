using System;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// asyncio's first example:
/// <code>
/// async def main():
///     print('Hello!')
///     await asyncio.sleep(1.0)
///     print('Goodbye!')
///
/// asyncio.run(main())
/// </code>
/// </summary>
internal static class HelloSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        Console.WriteLine($"{Clock.Now} Hello!");
        await AsyncIO.Sleep(1.0);
        Console.WriteLine($"{Clock.Now} Goodbye!");
    }
}
