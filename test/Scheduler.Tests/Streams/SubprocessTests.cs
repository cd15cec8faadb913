using System;
using System.ComponentModel;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.Ascii;

namespace Scheduler.Tests;

/// <summary>Real child processes (<c>/bin/sh</c>, <c>cat</c>, <c>sleep</c>), each bounded by the guard.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SubprocessTests
{
    [Fact]
    public void Exec_ReadsTheChildsOutputLineByLine_AndGetsItsExitCode() => Guard.Run(() =>
    {
        (string[] lines, int code, int? returnCode) = AsyncIO.Run(async () =>
        {
            LoopProcess process = await AsyncIO.CreateSubprocessExec("/bin/sh", ["-c", "echo one; echo two; exit 3"], stdout: SubprocessStream.Pipe);
            process.Stdin.ShouldBeNull();
            process.Stderr.ShouldBeNull();
            var read = new System.Collections.Generic.List<string>();
            await foreach (byte[] line in process.Stdout!)
            {
                read.Add(Text(line));
            }

            int exit = await process.WaitAsync();
            return (read.ToArray(), exit, process.ReturnCode);
        });

        lines.ShouldBe(["one\n", "two\n"]);
        code.ShouldBe(3);
        returnCode.ShouldBe(3);
    });

    [Fact]
    public void Communicate_WritesTheInput_AndReadsBothPipes_WithoutDeadlockingOnLargeOutput() => Guard.Run(() =>
    {
        byte[] input = Enumerable.Range(0, 1024 * 1024).Select(i => (byte)('a' + (i % 26))).ToArray();
        (byte[]? output, byte[]? error, int? code) = AsyncIO.Run(async () =>
        {
            LoopProcess process = await AsyncIO.CreateSubprocessShell(
                "cat; echo done >&2", stdin: SubprocessStream.Pipe, stdout: SubprocessStream.Pipe, stderr: SubprocessStream.Pipe);
            (byte[]? stdout, byte[]? stderr) = await process.CommunicateAsync(input);
            return (stdout, stderr, process.ReturnCode);
        });

        output.ShouldBe(input);
        Text(error!).ShouldBe("done\n");
        code.ShouldBe(0);
    });

    [Fact]
    public void DevNull_GivesTheChildAnEmptyInput_AndDropsItsOutput() => Guard.Run(() =>
    {
        (byte[]? output, int code) = AsyncIO.Run(async () =>
        {
            LoopProcess process = await AsyncIO.CreateSubprocessShell(
                "wc -c; echo dropped >&2", stdin: SubprocessStream.DevNull, stdout: SubprocessStream.Pipe, stderr: SubprocessStream.DevNull);
            (byte[]? stdout, byte[]? stderr) = await process.CommunicateAsync();
            stderr.ShouldBeNull();
            return (stdout, await process.WaitAsync());
        });

        Text(output!).Trim().ShouldBe("0");
        code.ShouldBe(0);
    });

    [Fact]
    public void Terminate_AndKill_EndAChildThatWouldRunOn() => Guard.Run(() =>
    {
        (int terminated, int killed) = AsyncIO.Run(async () =>
        {
            LoopProcess first = await AsyncIO.CreateSubprocessExec("sleep", ["30"]);
            first.Terminate();
            int a = await first.WaitAsync();
            LoopProcess second = await AsyncIO.CreateSubprocessExec("sleep", ["30"]);
            second.Kill();
            int b = await second.WaitAsync();
            second.Kill();
            second.SendSignal(15);
            return (a, b);
        });

        terminated.ShouldBe(128 + 15);
        killed.ShouldBe(128 + 9);
    });

    [Fact]
    public void Cancel_ATaskWaitingForTheChild_EndsTheWait_AndTheChildCanStillBeWaitedFor() => Guard.Run(() =>
    {
        int code = AsyncIO.Run(async () =>
        {
            LoopProcess process = await AsyncIO.CreateSubprocessExec("sleep", ["30"]);
            Task<int> waiting = AsyncIO.GetRunningLoop().CreateTask(() => process.WaitAsync());
            await AsyncIO.Sleep(TimeSpan.Zero);
            waiting.Cancel().ShouldBeTrue();
            await Should.ThrowAsync<OperationCanceledException>(waiting);
            process.ReturnCode.ShouldBeNull();
            process.Kill();
            return await process.WaitAsync();
        });

        code.ShouldBe(128 + 9);
    });

    [Fact]
    public void Exec_AProgramThatDoesNotExist_ThrowsFromTheAwaitingCall() => Guard.Run(() =>
    {
        Should.Throw<Win32Exception>(() => AsyncIO.Run(() => AsyncIO.CreateSubprocessExec("/no/such/program")));
    });
}
