using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The loop tells its own thread from others by where the caller's frame lies on the stack (no thread-static lookup),
/// and falls back to the thread-static where that cannot answer: deep frames, other threads, a loop that is not running.
/// </summary>
public class LoopThreadCheckTests
{
    [Fact]
    public void DeepOnTheLoopThread_BelowTheStackWindow_TheLoopThreadIsStillRecognised() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ready = new LoopEvent();
        bool deepOnLoop = false;
        int ran = 0;
        test.Loop.CallSoon(() =>
        {
            // 16 frames of 4 KB each: well past the 32 KB window below the frame that started the run.
            deepOnLoop = Descend(16, () =>
            {
                test.Loop.CallSoon(() => ran++);
                ready.Set();
                return test.Loop.IsOnLoopThread;
            });
        });

        test.RunUntilIdle();

        deepOnLoop.ShouldBeTrue();
        ran.ShouldBe(1);
        ready.IsSet.ShouldBeTrue();
    });

    [Fact]
    public void AnotherThread_WhileTheLoopRuns_IsNeverTakenForTheLoopThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var primitive = new LoopEvent();
        (bool OnLoop, Exception? Error) seen = default;
        test.Loop.CallSoon(() =>
        {
            primitive.Clear();
            seen = OtherThread.Run(() =>
            {
                bool onLoop = test.Loop.IsOnLoopThread;
                Exception? error = Record.Exception(primitive.Set);
                return (onLoop, error);
            });
        });

        test.RunUntilIdle();

        seen.OnLoop.ShouldBeFalse();
        seen.Error.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("CallSoonThreadSafe");
        primitive.IsSet.ShouldBeFalse();
    });

    [Fact]
    public void TheRunningThread_AfterTheRunEnded_IsNoLongerTheLoopThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool during = false;
        test.Loop.CallSoon(() => during = test.Loop.IsOnLoopThread);

        test.RunUntilIdle();

        during.ShouldBeTrue();
        test.Loop.IsOnLoopThread.ShouldBeFalse();
        test.Loop.IsRunning.ShouldBeFalse();
    });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Descend(int frames, Func<bool> atTheBottom)
    {
        Span<byte> room = stackalloc byte[4096];
        room[0] = (byte)frames;
        return frames == 0 ? atTheBottom() : Descend(frames - 1, atTheBottom) && room[0] == frames;
    }
}
