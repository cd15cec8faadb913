using System;
using System.Diagnostics;
using System.Threading;

namespace Scheduler;

/// <summary>
/// Notices, from a timer off the loop thread, that one callback has held the loop longer than the threshold, and
/// reports it once per stall to the loop's exception handler.
/// </summary>
/// <remarks>
/// The loop pays two increments per item; the watcher samples them a few times per threshold: an odd count that has
/// not moved for a whole threshold is a stall. The report runs on the timer's thread, while the loop thread is stuck.
/// </remarks>
internal sealed class StallWatchdog
{
    private readonly LoopTaskScheduler _loop;
    private readonly TimeSpan _threshold;
    private readonly object _gate = new();
    private Timer? _timer;
    private int _lastSequence = -1;
    private long _sameSince;
    private int _reportedSequence = -1;

    public StallWatchdog(LoopTaskScheduler loop, TimeSpan threshold)
    {
        _loop = loop;
        _threshold = threshold;
    }

    /// <summary>The stall threshold.</summary>
    public TimeSpan Threshold => _threshold;

    /// <summary>How many times the watcher has looked, for tests that wait for it to look again.</summary>
    public int Checks => Volatile.Read(ref _checks);

    private int _checks;

    public void Start()
    {
        lock (_gate)
        {
            TimeSpan period = TimeSpan.FromTicks(Math.Max(_threshold.Ticks / 4, TimeSpan.TicksPerMillisecond));
            _timer ??= new Timer(static state => ((StallWatchdog)state!).Check(), this, period, period);
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _lastSequence = -1;
        }
    }

    private void Check()
    {
        Interlocked.Increment(ref _checks);
        int sequence = _loop.ItemSequence;
        long now = Stopwatch.GetTimestamp();
        if (sequence != _lastSequence || (sequence & 1) == 0)
        {
            _lastSequence = sequence;
            _sameSince = now;
            return;
        }

        TimeSpan held = TimeSpan.FromTicks((now - _sameSince) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        if (held < _threshold || sequence == _reportedSequence)
        {
            return;
        }

        _reportedSequence = sequence;
        string running = _loop.DescribeRunningItem();
        string message = _loop.InSyncWait
            ? $"The event loop has been blocked for {held.TotalSeconds:F3} seconds by {running}, which is waiting synchronously " +
              "(Task.Wait, .Result, GetAwaiter().GetResult(), WaitHandle.WaitOne, …) on the loop thread. If it waits for work that " +
              "needs this loop, it never finishes: await it instead."
            : $"The event loop has been blocked for {held.TotalSeconds:F3} seconds by {running}; nothing else runs on the loop meanwhile. " +
              "Move blocking or CPU-heavy work off the loop (RunInExecutor, AsyncIO.ToThread).";
        LoopMetrics.Stalls.Add(1, LoopMetrics.Tag(_loop));
        _loop.CallExceptionHandler(new LoopExceptionContext(message) { Exception = new LoopStallException(message, held, _loop.InSyncWait) });
    }
}
