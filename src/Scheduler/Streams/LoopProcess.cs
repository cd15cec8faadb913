using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A child process on the loop: asyncio's <c>asyncio.subprocess.Process</c>, as <c>AsyncIO.CreateSubprocessExec</c> and
/// <c>CreateSubprocessShell</c> return it. Its piped streams are a <see cref="LoopStreamWriter"/> and
/// <see cref="LoopStreamReader"/>s of the loop; its exit is a loop-aware wait.
/// </summary>
/// <remarks>Loop-affine: every member is called on its loop's thread. The runtime reaps the child when it ends, so a
/// cancelled or killed run leaves no zombie.</remarks>
public sealed class LoopProcess
{
    private readonly Process _process;
    private readonly LoopEvent _exited = new();

    internal LoopProcess(LoopTaskScheduler loop, Process process, LoopTransport? stdin, LoopTransport? stdout, LoopTransport? stderr)
    {
        Loop = loop;
        _process = process;
        Pid = process.Id;
        Stdin = stdin is null ? null : new LoopStreamWriter(stdin);
        Stdout = stdout?.Reader;
        Stderr = stderr?.Reader;
        process.Exited += (_, _) => PostExited();
        process.EnableRaisingEvents = true;
        if (process.HasExited)
        {
            PostExited();
        }
    }

    /// <summary>The loop the process belongs to.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>The child's process id. Equivalent to <c>pid</c>.</summary>
    public int Pid { get; }

    /// <summary>The exit code once the child has ended, null while it runs. Equivalent to <c>returncode</c>
    /// (.NET's code: a child ended by signal N reads 128 + N, where asyncio gives -N).</summary>
    public int? ReturnCode { get; private set; }

    /// <summary>The child's standard input, with <see cref="SubprocessStream.Pipe"/>; null otherwise.</summary>
    public LoopStreamWriter? Stdin { get; }

    /// <summary>The child's standard output, with <see cref="SubprocessStream.Pipe"/>; null otherwise.</summary>
    public LoopStreamReader? Stdout { get; }

    /// <summary>The child's standard error, with <see cref="SubprocessStream.Pipe"/>; null otherwise.</summary>
    public LoopStreamReader? Stderr { get; }

    /// <summary>
    /// Waits for the child to end and returns its exit code. A loop-aware wait. With piped output that nobody reads a
    /// child can block writing it: read the pipes, or use <see cref="CommunicateAsync"/>. Equivalent to <c>wait()</c>.
    /// </summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken = default)
    {
        Loop.CheckThread("LoopProcess.WaitAsync");
        while (ReturnCode is null)
        {
            await _exited.WaitAsync(cancellationToken);
        }

        return ReturnCode.Value;
    }

    /// <summary>
    /// Writes <paramref name="input"/> to the child's stdin and closes it, reads stdout and stderr to their ends while it
    /// writes (so a child with much output cannot deadlock it), then waits for the child to end. Returns what the piped
    /// streams gave (null for one not piped). Equivalent to <c>communicate(input)</c>.
    /// </summary>
    public async Task<(byte[]? Stdout, byte[]? Stderr)> CommunicateAsync(byte[]? input = null, CancellationToken cancellationToken = default)
    {
        Loop.CheckThread("LoopProcess.CommunicateAsync");
        Task<byte[]>? output = Stdout?.ReadAsync(-1, cancellationToken).AsTask();
        Task<byte[]>? error = Stderr?.ReadAsync(-1, cancellationToken).AsTask();
        if (Stdin is { } stdin)
        {
            if (input is { Length: > 0 })
            {
                stdin.Write(input);
                try
                {
                    await stdin.DrainAsync(cancellationToken);
                }
                catch (IOException)
                {
                    // The child closed its stdin before reading it all, as asyncio ignores a broken pipe here.
                }
            }

            stdin.Close();
        }

        byte[]? stdout = output is null ? null : await output;
        byte[]? stderr = error is null ? null : await error;
        await WaitAsync(cancellationToken);
        return (stdout, stderr);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (a POSIX signal number) to the child; nothing if it has ended. Equivalent to
    /// <c>send_signal(signal)</c>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">On Windows, for a signal other than SIGTERM (15) or SIGKILL (9).</exception>
    public void SendSignal(int signal)
    {
        Loop.CheckThread("LoopProcess.SendSignal");
        if (ReturnCode is not null || _process.HasExited)
        {
            return;
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            if (signal is not (9 or 15))
            {
                throw new PlatformNotSupportedException("Windows has no POSIX signals: use Terminate() or Kill().");
            }

            _process.Kill();
            return;
        }

        if (Posix.Kill(Pid, signal) != 0 && !_process.HasExited)
        {
            throw new Win32Exception(Marshal.GetLastWin32Error(), $"Could not send signal {signal} to process {Pid}.");
        }
    }

    /// <summary>Asks the child to end: SIGTERM (on Windows, ends it). Equivalent to <c>terminate()</c>.</summary>
    public void Terminate() => SendSignal(15);

    /// <summary>Ends the child at once: SIGKILL. Equivalent to <c>kill()</c>.</summary>
    public void Kill()
    {
        Loop.CheckThread("LoopProcess.Kill");
        if (ReturnCode is null && !_process.HasExited)
        {
            _process.Kill();
        }
    }

    /// <summary>A name for messages.</summary>
    public override string ToString() => $"<LoopProcess {Pid} {(ReturnCode is { } code ? $"returncode={code}" : "running")}>";

    /// <summary>On the runtime's thread that saw the child end: the exit is the loop's to record.</summary>
    private void PostExited()
    {
        try
        {
            Loop.CallSoonThreadSafe(static state => ((LoopProcess)state!).OnExited(), this);
        }
        catch (InvalidOperationException)
        {
            // The loop closed first: nobody waits for this exit any more.
        }
    }

    private void OnExited()
    {
        if (ReturnCode is not null)
        {
            return;
        }

        // Posted from the runtime's exit notification: the code is there, and the loop thread never blocks for it.
        ReturnCode = _process.ExitCode;
        _exited.Set();
    }

    private static class Posix
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
