using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Ctrl+C in <c>AsyncIO.Run</c>, and SIGTERM with <c>LoopOptions.CancelOnSigterm</c>: a real signal sent to the samples'
/// <c>ctrl-c</c> run as a child process.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CtrlCTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("INT", "--wait")]
    [InlineData("TERM", "--sigterm")]
    public async Task TheSignal_CancelsTheMainTask_ItsCleanupRuns_AndTheLegacyMainReturns130(string signal, string option)
    {
        var start = new ProcessStartInfo(ExternalProcess.DotNet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SamplesAssembly());
        start.ArgumentList.Add("ctrl-c");
        start.ArgumentList.Add("--wait");
        start.ArgumentList.Add(option);
        using Process child = Process.Start(start)!;
        var output = new StringBuilder();
        try
        {
            // Ready once Main awaits: the interrupt handling is installed before Main runs.
            Task<bool> ready = Task.Run(() =>
            {
                while (child.StandardOutput.ReadLine() is { } line)
                {
                    output.AppendLine(line);
                    if (line.Contains("press Ctrl+C", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            });
            (await ready.WaitAsync(s_bound)).ShouldBeTrue($"the sample ended before it was ready: {output}");

            using (Process kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {child.Id}") { UseShellExecute = false })!)
            {
                kill.WaitForExit((int)s_bound.TotalMilliseconds).ShouldBeTrue();
            }

            child.WaitForExit((int)s_bound.TotalMilliseconds).ShouldBeTrue($"the sample did not end after Ctrl+C: {output}");
            output.Append(child.StandardOutput.ReadToEnd());

            string text = output.ToString();
            child.ExitCode.ShouldBe(130, text + child.StandardError.ReadToEnd());
            text.ShouldContain("cleanup: the finally block runs, and may await");
            text.ShouldContain("cleanup done");
            text.ShouldContain("interrupted");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The samples' assembly, built beside this one (the project builds it first) in the same configuration.</summary>
    private static string SamplesAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testOutput.Name;
        string configuration = testOutput.Parent!.Name;
        string path = Path.Combine(SourceCode.RepositoryRoot(), "src", "Scheduler.Samples", "bin", configuration, framework, "Scheduler.Samples.dll");
        File.Exists(path).ShouldBeTrue($"the samples are not built at {path}");
        return path;
    }
}
