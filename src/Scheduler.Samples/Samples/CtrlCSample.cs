using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// Ctrl+C in a legacy <c>Main</c> wrapped by <c>AsyncIO.Run</c>, as asyncio 3.11's runner handles it: the first Ctrl+C
/// cancels the main task, its <c>finally</c> runs (and may await), <c>Run</c> throws the cancellation, and <c>Main</c>
/// returns 130, the shell's code for an interrupted program. A second Ctrl+C during the cleanup ends the process.
/// <code>
/// async def main():
///     try:
///         await asyncio.sleep(3600)
///     finally:
///         print("cleanup")
///         await asyncio.sleep(0.05)
///
/// try:
///     asyncio.run(main())
/// except KeyboardInterrupt:
///     sys.exit(130)
/// </code>
/// Run alone with <c>-- ctrl-c --wait</c> it waits for a real Ctrl+C (add <c>--sigterm</c> for SIGTERM to do the same,
/// <see cref="LoopOptions.CancelOnSigterm"/>, as a container's stop does); with the other samples it sends itself one.
/// </summary>
internal static class CtrlCSample
{
    public static void Run()
    {
        bool wait = Array.IndexOf(Environment.GetCommandLineArgs(), "--wait") >= 0;
        if (!wait && !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Console.WriteLine("(this sample sends itself Ctrl+C with kill on Linux and macOS; run it with --wait and press Ctrl+C)");
            return;
        }

        bool sigterm = Array.IndexOf(Environment.GetCommandLineArgs(), "--sigterm") >= 0;
        int exitCode = Main(wait, new LoopOptions { CancelOnSigterm = sigterm });
        Console.WriteLine($"Main returns {exitCode}");
        if (wait)
        {
            Environment.ExitCode = exitCode;
        }
    }

    /// <summary>The legacy entry point: the interrupted run becomes exit code 130.</summary>
    private static int Main(bool wait, LoopOptions options)
    {
        try
        {
            AsyncIO.Run(() => MainAsync(wait), options);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("interrupted");
            return 130;
        }
    }

    private static async Task MainAsync(bool wait)
    {
        Console.WriteLine(wait ? "working for an hour: press Ctrl+C" : "working for an hour; Ctrl+C comes in 0.2 s");
        if (!wait)
        {
            AsyncIO.GetRunningLoop().CallLater(TimeSpan.FromSeconds(0.2), () => _ = AsyncIO.ToThread(InterruptThisProcess));
        }

        try
        {
            await AsyncIO.Sleep(3600);
        }
        finally
        {
            Console.WriteLine("cleanup: the finally block runs, and may await");
            await AsyncIO.Sleep(0.05);
            Console.WriteLine("cleanup done");
        }
    }

    private static void InterruptThisProcess()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-INT {Environment.ProcessId}") { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
