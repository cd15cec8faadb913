using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>Real signals, sent to the test process by a child <c>kill</c>; SIGWINCH, whose default action is to do nothing.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SignalHandlerTests
{
    private static void SendToThisProcess(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {Environment.ProcessId}") { UseShellExecute = false })!;
        kill.WaitForExit(10_000).ShouldBeTrue("kill did not finish");
        kill.ExitCode.ShouldBe(0);
    }

    [Fact]
    public void AddSignalHandler_TheHandlerRunsOnTheLoopThread_EachTimeTheSignalArrives() => Guard.Run(() =>
    {
        (int runs, bool onLoop, bool removed, bool removedAgain) = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            int loopThread = Environment.CurrentManagedThreadId;
            int count = 0;
            bool allOnLoop = true;
            var arrived = new LoopEvent();
            loop.AddSignalHandler(PosixSignal.SIGWINCH, () =>
            {
                count++;
                allOnLoop &= Environment.CurrentManagedThreadId == loopThread;
                arrived.Set();
            });

            for (int i = 0; i < 2; i++)
            {
                arrived.Clear();
                await AsyncIO.ToThread(() => SendToThisProcess("WINCH"));
                await AsyncIO.Timeout(TimeSpan.FromSeconds(10), token => arrived.WaitAsync(token).AsTask());
            }

            bool first = loop.RemoveSignalHandler(PosixSignal.SIGWINCH);
            return (count, allOnLoop, first, loop.RemoveSignalHandler(PosixSignal.SIGWINCH));
        });

        runs.ShouldBeGreaterThanOrEqualTo(2);
        onLoop.ShouldBeTrue();
        removed.ShouldBeTrue();
        removedAgain.ShouldBeFalse();
    });

    [Fact]
    public void AddSignalHandler_Again_ReplacesTheHandler() => Guard.Run(() =>
    {
        (int first, int second) = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            int firstRuns = 0;
            int secondRuns = 0;
            var arrived = new LoopEvent();
            loop.AddSignalHandler(PosixSignal.SIGWINCH, () => firstRuns++);
            loop.AddSignalHandler(PosixSignal.SIGWINCH, () =>
            {
                secondRuns++;
                arrived.Set();
            });

            await AsyncIO.ToThread(() => SendToThisProcess("WINCH"));
            await AsyncIO.Timeout(TimeSpan.FromSeconds(10), token => arrived.WaitAsync(token).AsTask());
            loop.RemoveSignalHandler(PosixSignal.SIGWINCH);
            return (firstRuns, secondRuns);
        });

        first.ShouldBe(0);
        second.ShouldBeGreaterThanOrEqualTo(1);
    });

    [Fact]
    public void Close_RemovesTheHandlers_AndAClosedLoopRefusesNewOnes()
    {
        var loop = new LoopTaskScheduler();
        loop.AddSignalHandler(PosixSignal.SIGWINCH, () => { });

        loop.Close();

        loop.RemoveSignalHandler(PosixSignal.SIGWINCH).ShouldBeFalse();
        Should.Throw<InvalidOperationException>(() => loop.AddSignalHandler(PosixSignal.SIGWINCH, () => { })).Message.ShouldBe(LoopTaskScheduler.ClosedMessage);
    }
}
