using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>asyncio's subprocess functions: <c>create_subprocess_exec</c> and <c>create_subprocess_shell</c>.</summary>
public static partial class AsyncIO
{
    /// <summary>
    /// Starts <paramref name="program"/> with <paramref name="arguments"/> (passed as they are, no shell) on the running
    /// loop; each standard stream inherited, piped to the loop, or null. Equivalent to asyncio's
    /// <c>create_subprocess_exec(program, *args, stdin=..., stdout=..., stderr=...)</c>.
    /// </summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program was not found or could not be started.</exception>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static Task<LoopProcess> CreateSubprocessExec(
        string program,
        IEnumerable<string>? arguments = null,
        SubprocessStream stdin = SubprocessStream.Inherit,
        SubprocessStream stdout = SubprocessStream.Inherit,
        SubprocessStream stderr = SubprocessStream.Inherit,
        int limit = LoopStreamReader.DefaultLimit)
    {
        if (program is null)
        {
            throw new ArgumentNullException(nameof(program));
        }

        LoopTaskScheduler loop = GetRunningLoop();
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = stdin != SubprocessStream.Inherit,
            RedirectStandardOutput = stdout != SubprocessStream.Inherit,
            RedirectStandardError = stderr != SubprocessStream.Inherit,
        };
        AddArguments(start, arguments ?? []);

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        try
        {
            LoopTransport? input = Pipe(loop, stdin, start.RedirectStandardInput ? process.StandardInput.BaseStream : null, limit, reads: false);
            LoopTransport? output = Pipe(loop, stdout, start.RedirectStandardOutput ? process.StandardOutput.BaseStream : null, limit, reads: true);
            LoopTransport? error = Pipe(loop, stderr, start.RedirectStandardError ? process.StandardError.BaseStream : null, limit, reads: true);
            return Task.FromResult(new LoopProcess(loop, process, input, output, error));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> through the system's shell (<c>/bin/sh -c</c>; <c>cmd.exe /c</c> on Windows) on the
    /// running loop. Equivalent to asyncio's <c>create_subprocess_shell(cmd, ...)</c>: quoting is the caller's.
    /// </summary>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static Task<LoopProcess> CreateSubprocessShell(
        string command,
        SubprocessStream stdin = SubprocessStream.Inherit,
        SubprocessStream stdout = SubprocessStream.Inherit,
        SubprocessStream stderr = SubprocessStream.Inherit,
        int limit = LoopStreamReader.DefaultLimit)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        return RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            ? CreateSubprocessExec("cmd.exe", ["/c", command], stdin, stdout, stderr, limit)
            : CreateSubprocessExec("/bin/sh", ["-c", command], stdin, stdout, stderr, limit);
    }

    /// <summary>The loop's end of one redirected stream: a transport for a pipe, nothing (closed or drained) for DevNull.</summary>
    private static LoopTransport? Pipe(LoopTaskScheduler loop, SubprocessStream kind, Stream? stream, int limit, bool reads)
    {
        if (stream is null)
        {
            return null;
        }

        switch (kind)
        {
            case SubprocessStream.Pipe:
                var transport = new PipeTransport(loop, stream, limit, reads);
                transport.Start();
                return transport;
            case SubprocessStream.DevNull when reads:
                _ = stream.CopyToAsync(Stream.Null);
                return null;
            case SubprocessStream.DevNull:
                stream.Dispose();
                return null;
            default:
                return null;
        }
    }

    private static void AddArguments(ProcessStartInfo start, IEnumerable<string> arguments)
    {
#if NET8_0_OR_GREATER
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
#else
        // .NET Standard 2.0 has one command line: quote each argument as the runtime's parser expects.
        var line = new StringBuilder();
        foreach (string argument in arguments)
        {
            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append('"').Append(argument.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
        }

        start.Arguments = line.ToString();
#endif
    }
}
