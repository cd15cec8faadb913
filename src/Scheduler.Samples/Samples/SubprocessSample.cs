using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// asyncio's subprocess examples: run a shell command and get its output and exit code, then read a child's output line
/// by line as it comes.
/// <code>
/// async def run(cmd):
///     proc = await asyncio.create_subprocess_shell(cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
///     stdout, stderr = await proc.communicate()
///     print(f'[{cmd!r} exited with {proc.returncode}]')
///     if stdout:
///         print(f'[stdout]\n{stdout.decode()}')
///     if stderr:
///         print(f'[stderr]\n{stderr.decode()}')
///
/// async def get_lines():
///     proc = await asyncio.create_subprocess_exec(sys.executable, '-c', code, stdout=asyncio.subprocess.PIPE)
///     async for line in proc.stdout:
///         print(line.decode().rstrip())
///     await proc.wait()
/// </code>
/// </summary>
internal static class SubprocessSample
{
    public static void Run()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            Console.WriteLine("(this sample runs /bin/sh commands: Linux and macOS)");
            return;
        }

        AsyncIO.Run(MainAsync);
    }

    private static async Task MainAsync()
    {
        await RunShell("ls /zzz");
        await RunShell("echo hello");

        LoopProcess process = await AsyncIO.CreateSubprocessExec("/bin/sh", ["-c", "for i in 1 2 3; do echo line $i; done"], stdout: SubprocessStream.Pipe);
        await foreach (byte[] line in process.Stdout!)
        {
            Console.WriteLine(Encoding.UTF8.GetString(line).TrimEnd());
        }

        Console.WriteLine($"[the line reader exited with {await process.WaitAsync()}]");
    }

    private static async Task RunShell(string command)
    {
        LoopProcess process = await AsyncIO.CreateSubprocessShell(command, stdout: SubprocessStream.Pipe, stderr: SubprocessStream.Pipe);
        (byte[]? stdout, byte[]? stderr) = await process.CommunicateAsync();
        Console.WriteLine($"['{command}' exited with {process.ReturnCode}]");
        if (stdout is { Length: > 0 })
        {
            Console.WriteLine($"[stdout]{Environment.NewLine}{Encoding.UTF8.GetString(stdout).TrimEnd()}");
        }

        if (stderr is { Length: > 0 })
        {
            Console.WriteLine($"[stderr]{Environment.NewLine}{Encoding.UTF8.GetString(stderr).TrimEnd()}");
        }
    }
}
