using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class MetricsTests
{
    [Fact]
    public void Meter_WhileTheLoopWorks_ReportsItsInstrumentsTaggedByLoopName() => Guard.Run(() =>
    {
        string name = "metrics-" + Guid.NewGuid().ToString("N");
        var values = new Dictionary<string, double>();
        var lags = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Scheduler")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "loop.name" && (string?)tag.Value == name)
                {
                    lock (values)
                    {
                        if (instrument.Name == "scheduler.loop.lag")
                        {
                            lags.Add(value);
                        }

                        values[instrument.Name] = instrument is ObservableGauge<long> || instrument is ObservableCounter<long>
                            ? value
                            : values.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var loop = new LoopTaskScheduler(new LoopOptions
        {
            Name = name,
            TimeProvider = clock,
            Debug = true,
            SlowCallbackDuration = TimeSpan.Zero,
            StallThreshold = TimeSpan.FromMilliseconds(50),
            Log = new StringWriter(),
        });
        var stalled = new ManualResetEventSlim();
        loop.SetExceptionHandler((_, _) => stalled.Set());

        // Pending work to observe: three callbacks and two timers.
        loop.CallSoon(() => { });
        loop.CallSoon(() => { });
        loop.CallSoon(() => { });
        loop.CallLater(TimeSpan.FromSeconds(10), () => { });
        loop.CallLater(TimeSpan.FromSeconds(20), () => { });
        listener.RecordObservableInstruments();
        values["scheduler.loop.ready"].ShouldBe(0, "posted before the loop runs, they wait in the inbox");
        values["scheduler.loop.timers"].ShouldBe(2);

        // A stall, a slow callback (every callback is slow with a zero duration), a timer run 5 s late.
        loop.CallSoon(() => stalled.Wait());
        loop.Stop();
        loop.RunForever();
        clock.Advance(TimeSpan.FromSeconds(15));
        loop.Stop();
        loop.RunForever();

        listener.RecordObservableInstruments();
        values["scheduler.loop.callbacks"].ShouldBe(5);
        values["scheduler.loop.timers"].ShouldBe(1);
        values["scheduler.loop.ready"].ShouldBe(0);
        values["scheduler.loop.stalls"].ShouldBe(1);
        values["scheduler.loop.slow_callbacks"].ShouldBe(5);
        lags.ShouldBe([5.0]);
    });
}
