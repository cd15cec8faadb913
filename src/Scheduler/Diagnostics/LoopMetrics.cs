using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scheduler;

/// <summary>
/// The library's <see cref="Meter"/>, named <c>Scheduler</c>: what each loop does, tagged <c>loop.name</c>, for
/// <c>dotnet-counters</c>, OpenTelemetry or a <see cref="MeterListener"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>scheduler.loop.lag</c> (histogram, s): how late each timer callback ran after its due time.</item>
/// <item><c>scheduler.loop.ready</c> (gauge): callbacks waiting in the ready queue.</item>
/// <item><c>scheduler.loop.callbacks</c> (counter): callbacks, tasks and continuations run.</item>
/// <item><c>scheduler.loop.timers</c> (gauge): timers pending.</item>
/// <item><c>scheduler.loop.slow_callbacks</c> (counter): callbacks slower than the slow-callback duration (debug mode).</item>
/// <item><c>scheduler.loop.stalls</c> (counter): stalls the watchdog reported.</item>
/// </list>
/// The observable instruments cost the loop nothing until read; the lag is recorded only while someone listens.
/// </remarks>
internal static class LoopMetrics
{
    public const string MeterName = "Scheduler";

    private static readonly Meter s_meter = new(MeterName, typeof(LoopMetrics).Assembly.GetName().Version?.ToString());
    private static readonly List<WeakReference<LoopTaskScheduler>> s_loops = [];

    public static readonly Histogram<double> Lag = s_meter.CreateHistogram<double>(
        "scheduler.loop.lag", "s", "How late timer callbacks run after their due time.");

    public static readonly Counter<long> SlowCallbacks = s_meter.CreateCounter<long>(
        "scheduler.loop.slow_callbacks", "{callback}", "Callbacks that ran longer than the slow-callback duration (debug mode).");

    public static readonly Counter<long> Stalls = s_meter.CreateCounter<long>(
        "scheduler.loop.stalls", "{stall}", "Stalls reported by the watchdog.");

    static LoopMetrics()
    {
        s_meter.CreateObservableGauge("scheduler.loop.ready", () => Observe(static loop => loop.ReadyCount), "{callback}", "Callbacks waiting in the ready queue.");
        s_meter.CreateObservableCounter("scheduler.loop.callbacks", () => Observe(static loop => loop.CallbacksRun), "{callback}", "Callbacks, tasks and continuations run.");
        s_meter.CreateObservableGauge("scheduler.loop.timers", () => Observe(static loop => loop.TimerCount), "{timer}", "Timers pending.");
    }

    public static void Register(LoopTaskScheduler loop)
    {
        lock (s_loops)
        {
            s_loops.Add(new WeakReference<LoopTaskScheduler>(loop));
        }
    }

    public static void Unregister(LoopTaskScheduler loop)
    {
        lock (s_loops)
        {
            s_loops.RemoveAll(reference => !reference.TryGetTarget(out LoopTaskScheduler? target) || ReferenceEquals(target, loop));
        }
    }

    public static KeyValuePair<string, object?> Tag(LoopTaskScheduler loop) => new("loop.name", loop.MetricsName);

    private static List<Measurement<long>> Observe(Func<LoopTaskScheduler, long> read)
    {
        var measurements = new List<Measurement<long>>();
        lock (s_loops)
        {
            foreach (WeakReference<LoopTaskScheduler> reference in s_loops)
            {
                if (reference.TryGetTarget(out LoopTaskScheduler? loop))
                {
                    measurements.Add(new Measurement<long>(read(loop), Tag(loop)));
                }
            }
        }

        return measurements;
    }
}
