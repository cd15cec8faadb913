using System;
using System.IO;
using Microsoft.Extensions.Time.Testing;

namespace Scheduler.Tests;

/// <summary>
/// A loop on virtual time for tests: time moves only when the test calls <see cref="Advance"/>, and
/// <see cref="RunUntilIdle"/> runs everything that is ready without ever sleeping, so "never happens" is provable.
/// </summary>
internal sealed class TestLoop : IDisposable
{
    public TestLoop(bool autoAdvance = false, bool debug = false)
    {
        Clock = new FakeTimeProvider();
        Log = new StringWriter();
        Loop = new LoopTaskScheduler(new LoopOptions
        {
            TimeProvider = Clock,
            AutoAdvance = autoAdvance,
            Debug = debug,
            Log = Log,
            Name = "test-loop",
        });
    }

    public FakeTimeProvider Clock { get; }

    public StringWriter Log { get; }

    public LoopTaskScheduler Loop { get; }

    /// <summary>Moves the fake clock forward, then runs until idle.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Loop.RunUntilIdle();
    }

    public void RunUntilIdle() => Loop.RunUntilIdle();

    /// <summary>
    /// What one run costs the loop thread whatever it runs: the TPL task a run executes in (so that
    /// <c>TaskScheduler.Current</c> is the loop). Allocation tests of a path subtract it per run they measure.
    /// </summary>
    public static long RunCost { get; } = MeasureRunCost();

    private static long MeasureRunCost()
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = new FakeTimeProvider() });
        long fewest = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            loop.RunUntilIdle();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }

    public void Dispose()
    {
        if (!Loop.IsRunning)
        {
            Loop.Close();
        }
    }
}
