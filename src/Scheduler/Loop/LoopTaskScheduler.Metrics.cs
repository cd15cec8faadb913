using System;
using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Items run so far; added per iteration, read by the metrics collector.</summary>
    private long _callbacksRun;

    /// <summary>The <c>loop.name</c> tag of the loop's metrics: its name, or <c>loop-</c> and its scheduler id.</summary>
    internal string MetricsName => Name ?? "loop-" + Id;

    internal long CallbacksRun => Volatile.Read(ref _callbacksRun);

    /// <summary>Read off the loop thread by the metrics collector: a moment's view.</summary>
    internal long ReadyCount => _ready.Count + _inbox.TakenRemaining;

    internal long TimerCount => Math.Max(_timers.Count, 0);

    private void CountRun(int items) => _callbacksRun += items;

    /// <summary>A timer callback is about to run: how late it is, when someone listens.</summary>
    private void RecordLag(TimerNode timer)
    {
        // A failing clock is reported where the loop needs the time; a metric just goes without.
        if (!LoopMetrics.Lag.Enabled || !TryNow(out long now, reportFailure: false))
        {
            return;
        }

        LoopMetrics.Lag.Record(Math.Max(now - timer.When, 0) / (double)TimeSpan.TicksPerSecond, LoopMetrics.Tag(this));
    }
}
