namespace Scheduler;

/// <summary>The loop's side of the stall watchdog: items run watched through <see cref="ItemWatch"/> while it is on.</summary>
public sealed partial class LoopTaskScheduler
{
    internal int ItemSequence => _watch?.ItemSequence ?? 0;

    /// <summary>The watchdog, if on; for tests.</summary>
    internal StallWatchdog? Watchdog => _watch?.Watchdog;

    internal bool InSyncWait => _watch?.InSyncWait ?? false;

    internal string DescribeRunningItem() =>
        _watch?.RunningItem(out object? state) is { } what ? Describe(what, state) : "<between callbacks>";

    internal void EnterSyncWait()
    {
        if (IsOnLoopThread)
        {
            _watch?.EnterSyncWait();
        }
    }

    internal void ExitSyncWait()
    {
        if (_watch is { InSyncWait: true } watch && IsOnLoopThread)
        {
            watch.ExitSyncWait();
        }
    }

    private void RunItemWatched(in WorkItem item, ItemWatch watch)
    {
        watch.Begin(in item);
        try
        {
            if (Debug)
            {
                RunItemTimed(in item);
            }
            else
            {
                Execute(in item);
            }
        }
        finally
        {
            watch.End();
        }
    }
}
