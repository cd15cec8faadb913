using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// A failing clock while someone listens to the loop's metrics: the timer lag is measured with the clock just before a
/// timer callback runs, and a failure there must cost the measurement, not the callback, and must not escape the run.
/// </summary>
[Collection(MeterCollection.Name)]
public class ClockFailureWithMetricsTests
{
    [Fact]
    public void TimerLag_Listened_ClockThrowsWhileMeasuring_EveryTimerRunsOnceInOrderAndNothingEscapes() => Guard.Run(() =>
    {
        // Arrange
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Scheduler" && instrument.Name == "scheduler.loop.lag")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.Start();
        var clock = new FlakyClock { FailEvery = 3 };
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, AutoAdvance = true, Log = new StringWriter() });
        var reported = new List<Exception?>();
        loop.SetExceptionHandler((_, context) => reported.Add(context.Exception));
        const int Timers = 200;
        var ran = new List<int>();
        var done = new System.Threading.Tasks.TaskCompletionSource();
        for (int i = 0; i < Timers; i++)
        {
            int id = i;
            loop.CallLater(TimeSpan.FromMilliseconds(1 + (i / 2)), () =>
            {
                ran.Add(id);
                if (ran.Count == Timers)
                {
                    done.SetResult();
                }
            });
        }

        // Act
        clock.Armed = true;
        Exception? escaped = Record.Exception(() => loop.RunUntilComplete(done.Task));
        clock.Armed = false;

        // Assert
        escaped.ShouldBeNull();
        ran.ShouldBe(Enumerable.Range(0, Timers));
        clock.Failures.ShouldBeGreaterThan(0);
        reported.Count.ShouldBeLessThanOrEqualTo(clock.Failures, "a failure while measuring the lag goes unreported; the others are reported");
        reported.ShouldAllBe(e => e is ClockFailureException);
    });
}
