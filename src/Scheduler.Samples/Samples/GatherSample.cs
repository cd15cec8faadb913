using System;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// asyncio's <c>gather</c> example: three factorials computed concurrently, their steps interleaved on one thread.
/// <code>
/// async def factorial(name, number):
///     f = 1
///     for i in range(2, number + 1):
///         print(f"Task {name}: Compute factorial({number}), currently i={i}...")
///         await asyncio.sleep(1)
///         f *= i
///     print(f"Task {name}: factorial({number}) = {f}")
///     return f
///
/// async def main():
///     L = await asyncio.gather(factorial("A", 2), factorial("B", 3), factorial("C", 4))
///     print(L)
/// </code>
/// </summary>
internal static class GatherSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        int[] results = await AsyncIO.Gather(Factorial("A", 2), Factorial("B", 3), Factorial("C", 4));
        Console.WriteLine($"[{string.Join(", ", results)}]");
    }

    private static async Task<int> Factorial(string name, int number)
    {
        int f = 1;
        for (int i = 2; i <= number; i++)
        {
            Console.WriteLine($"Task {name}: Compute factorial({number}), currently i={i}...");
            await AsyncIO.Sleep(1);
            f *= i;
        }

        Console.WriteLine($"Task {name}: factorial({number}) = {f}");
        return f;
    }
}
