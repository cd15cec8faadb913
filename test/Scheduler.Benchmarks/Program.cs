using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Scheduler.Benchmarks.Latency;

namespace Scheduler.Benchmarks;

/// <summary>
/// The peers side by side on the workloads.
/// <list type="bullet">
/// <item><c>dotnet run -c Release --project test/Scheduler.Benchmarks -- --filter '*'</c>: every workload, full job.</item>
/// <item><c>... -- --quick --filter '*W2*'</c>: a short in-process job, to check the harness and the result checks.</item>
/// <item><c>... -- latency</c> (or <c>--latency</c>, with <c>--quick</c> for fewer samples): W7, idle wake-up percentiles.</item>
/// </list>
/// Other arguments go to BenchmarkDotNet (<c>--list flat</c>, <c>--join</c>, exporters...); with no filter, everything runs.
/// </summary>
public static class Program
{
    /// <summary>
    /// <c>--quick</c> runs every benchmark in one process with short iterations. Tiered compilation recompiles hot code
    /// optimized (with dynamic PGO) only after a delay, restarted by any new JIT work, and on a background thread: on a
    /// busy 2-core machine that took over a second, and the first row of each class (ours) was measured on unoptimized
    /// library code while later rows got optimized code. So quick runs in a child process with no such delay, and warms
    /// up longer (see <see cref="BenchmarkConfig"/>). Turning tiering off instead is no cure: without dynamic PGO the
    /// numbers no longer resemble the full run's. The full job keeps the runtime's defaults and BenchmarkDotNet's warm-up.
    /// </summary>
    private const string TieringDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        if (quick && Environment.GetEnvironmentVariable(TieringDelayVariable) is null)
        {
            return RunAgainWithoutTieringDelay(args);
        }

        var rest = args.Where(arg => arg != "--quick").ToList();
        if (rest.Remove("latency") | rest.Remove("--latency"))
        {
            return IdleWakeUpLatency.Run(quick);
        }

        if (!rest.Any(IsSelection))
        {
            rest.AddRange(["--filter", "*"]);
        }

        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], BenchmarkConfig.Create(quick));

        // A benchmark whose result check threw has no result: fail the run, so a wrong answer is never just a gap in a table.
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }

    /// <summary>Runs this program again, with the same arguments, in a process whose JIT optimizes hot code without delay.</summary>
    private static int RunAgainWithoutTieringDelay(string[] args)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet Scheduler.Benchmarks.dll`: the muxer needs the assembly again.
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[TieringDelayVariable] = "0";
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        child.WaitForExit();
        return child.ExitCode;
    }

    private static bool IsSelection(string arg) =>
        arg is "--filter" or "-f" or "--list" or "--info" or "--help" or "-h" or "-?" or "--version" or "--allCategories" or "--anyCategories" or "--attribute";
}
