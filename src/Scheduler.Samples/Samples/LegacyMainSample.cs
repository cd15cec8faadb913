using System;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// A console program whose synchronous <c>Main</c> hands everything to the loop, and whose exit code comes back out of
/// <see cref="AsyncIO.Run{T}(Func{Task{T}}, LoopOptions?)"/>.
/// </summary>
internal static class LegacyMainSample
{
    public static void Run()
    {
        int exitCode = LegacyProgram.Main(["--exit-code", "3"]);
        Console.WriteLine($"{Clock.Now} LegacyProgram.Main returned {exitCode}");
    }
}

/// <summary>What a legacy program's entry point looks like; here Program calls it, so it is not the entry point.</summary>
internal static class LegacyProgram
{
    public static int Main(string[] args) => AsyncIO.Run(() => MainAsync(args));

    private static async Task<int> MainAsync(string[] args)
    {
        Console.WriteLine($"{Clock.Now} MainAsync({string.Join(" ", args)}) on the loop thread {Environment.CurrentManagedThreadId}");
        await AsyncIO.Sleep(0.1);
        int exitCode = args is ["--exit-code", var code] ? int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) : 0;
        Console.WriteLine($"{Clock.Now} MainAsync returns {exitCode}");
        return exitCode;
    }
}
