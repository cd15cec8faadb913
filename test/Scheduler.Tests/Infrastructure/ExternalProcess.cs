using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Scheduler.Tests;

/// <summary>
/// Runs a command line tool (the dotnet CLI) with a deadline: its output, both streams interleaved, and its exit code
/// come back; a run past the deadline is killed with its whole process tree and fails the test instead of hanging it.
/// </summary>
internal static class ExternalProcess
{
    /// <summary>What a finished run gave: exit code and everything it printed.</summary>
    public sealed record Result(int ExitCode, string Output);

    /// <summary>
    /// The dotnet CLI that runs these tests (<c>DOTNET_HOST_PATH</c>, which <c>dotnet test</c> sets), else the one on
    /// the PATH.
    /// </summary>
    public static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";

    public static Result Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach ((string name, string? value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close(); // no stdin, as on CI: a tool that asks a question gets end-of-file, not a hang
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
            throw new TimeoutException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}' did not finish within {timeout.TotalSeconds} s; its output:\n{Text(output)}");
        }

        // Only the parameterless WaitForExit waits for the redirected streams to drain (a timed one may return with the
        // last lines still in flight); it runs bounded, since a build server that kept the streams open would hold it.
        Process exited = process;
        System.Threading.Tasks.Task.Run(() => exited.WaitForExit()).Wait(TimeSpan.FromSeconds(30));
        return new Result(process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
