using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>GetRunningLoop</c>, <c>GetEventLoop</c>, <c>SetEventLoop</c> and <c>NewEventLoop</c>.</summary>
public class EventLoopTests
{
    [Fact]
    public void GetRunningLoop_NoLoopRunning_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var idle = new LoopTaskScheduler();
        AsyncIO.SetEventLoop(idle);

        Should.Throw<InvalidOperationException>(AsyncIO.GetRunningLoop);

        AsyncIO.SetEventLoop(null);
    });

    [Fact]
    public void GetRunningLoop_InsideARun_ReturnsTheLoop() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler();
        LoopTaskScheduler? inCallback = null;
        loop.CallSoon(() => inCallback = AsyncIO.GetRunningLoop());

        (LoopTaskScheduler atStart, LoopTaskScheduler afterAwait) = loop.RunUntilComplete(async () =>
        {
            LoopTaskScheduler atStart = AsyncIO.GetRunningLoop();
            await AsyncIO.Sleep(0);
            return (atStart, AsyncIO.GetRunningLoop());
        });

        inCallback.ShouldBeSameAs(loop);
        atStart.ShouldBeSameAs(loop);
        afterAwait.ShouldBeSameAs(loop);
        Should.Throw<InvalidOperationException>(AsyncIO.GetRunningLoop);
    });

    [Fact]
    public void GetRunningLoop_OnAnotherThreadWhileALoopRuns_Throws() => Guard.Run(() =>
    {
        using var thread = new LoopThread();

        Should.Throw<InvalidOperationException>(AsyncIO.GetRunningLoop);
        Should.Throw<InvalidOperationException>(() => Task.Run(AsyncIO.GetRunningLoop).GetAwaiter().GetResult());
    });

    [Fact]
    public void GetEventLoop_WhileALoopRuns_ReturnsTheRunningLoop() => Guard.Run(() =>
    {
        using var set = new LoopTaskScheduler();
        using var running = new LoopTaskScheduler();
        AsyncIO.SetEventLoop(set);

        LoopTaskScheduler seen = running.RunUntilComplete(() => Task.FromResult(AsyncIO.GetEventLoop()));

        seen.ShouldBeSameAs(running);
        AsyncIO.GetEventLoop().ShouldBeSameAs(set);
        AsyncIO.SetEventLoop(null);
    });

    [Fact]
    public void GetEventLoop_AfterSetEventLoop_ReturnsThatLoop() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler();

        AsyncIO.SetEventLoop(loop);

        AsyncIO.GetEventLoop().ShouldBeSameAs(loop);
        AsyncIO.GetEventLoop().ShouldBeSameAs(loop);
        AsyncIO.SetEventLoop(null);
    });

    [Fact]
    public void GetEventLoop_NoneSetOnThisThread_CreatesOneAndReturnsItNextTime() => Guard.Run(() =>
    {
        LoopTaskScheduler created = AsyncIO.GetEventLoop();
        try
        {
            created.IsClosed.ShouldBeFalse();
            created.IsRunning.ShouldBeFalse();
            AsyncIO.GetEventLoop().ShouldBeSameAs(created);

            // The classic pattern: get the loop, then run it.
            created.RunUntilComplete(async () =>
            {
                await AsyncIO.Sleep(0);
                return AsyncIO.GetEventLoop();
            }).ShouldBeSameAs(created);
        }
        finally
        {
            AsyncIO.SetEventLoop(null);
            created.Close();
        }
    });

    [Fact]
    public void GetEventLoop_OnTwoThreads_GivesEachThreadItsOwnLoop() => Guard.Run(() =>
    {
        LoopTaskScheduler here = AsyncIO.GetEventLoop();
        LoopTaskScheduler there = Guard.Run(() =>
        {
            LoopTaskScheduler loop = AsyncIO.GetEventLoop();
            AsyncIO.SetEventLoop(null);
            return loop;
        });

        there.ShouldNotBeSameAs(here);
        AsyncIO.GetEventLoop().ShouldBeSameAs(here);
        AsyncIO.SetEventLoop(null);
        here.Close();
        there.Close();
    });

    [Fact]
    public void SetEventLoop_Null_MakesGetEventLoopCreateANewOne() => Guard.Run(() =>
    {
        using var first = new LoopTaskScheduler();
        AsyncIO.SetEventLoop(first);

        AsyncIO.SetEventLoop(null);
        LoopTaskScheduler created = AsyncIO.GetEventLoop();

        created.ShouldNotBeSameAs(first);
        AsyncIO.SetEventLoop(null);
        created.Close();
    });

    [Fact]
    public void NewEventLoop_EachCall_ReturnsAFreshLoopNotSetForTheThread() => Guard.Run(() =>
    {
        using var first = AsyncIO.NewEventLoop();
        using var second = AsyncIO.NewEventLoop();
        using var mine = new LoopTaskScheduler();
        AsyncIO.SetEventLoop(mine);

        using var third = AsyncIO.NewEventLoop();

        first.ShouldNotBeSameAs(second);
        third.ShouldNotBeSameAs(mine);
        first.IsRunning.ShouldBeFalse();
        first.IsClosed.ShouldBeFalse();
        AsyncIO.GetEventLoop().ShouldBeSameAs(mine);
        first.RunUntilComplete(() => Task.FromResult(AsyncIO.GetRunningLoop())).ShouldBeSameAs(first);
        AsyncIO.SetEventLoop(null);
    });
}
