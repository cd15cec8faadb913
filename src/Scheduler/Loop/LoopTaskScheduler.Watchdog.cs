using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>The stall watchdog, when <see cref="LoopOptions.StallThreshold"/> (or debug mode) turns it on.</summary>
    private readonly StallWatchdog? _watchdog;

    /// <summary>Bumped before and after each item while the watchdog is on: odd while an item runs.</summary>
    private int _itemSequence;

    /// <summary>What runs now (a delegate, a task), for the watchdog's report; written by the loop thread only.</summary>
    private object? _runningItem;
    private object? _runningState;

    /// <summary>Depth of synchronous waits the loop thread is blocked in, as the synchronization context is told.</summary>
    private int _syncWaits;

    internal int ItemSequence => Volatile.Read(ref _itemSequence);

    /// <summary>The watchdog, if on; for tests.</summary>
    internal StallWatchdog? Watchdog => _watchdog;

    internal bool InSyncWait => Volatile.Read(ref _syncWaits) > 0;

    internal string DescribeRunningItem()
    {
        object? what = Volatile.Read(ref _runningItem);
        return what is null ? "<between callbacks>" : Describe(what, Volatile.Read(ref _runningState));
    }

    internal void EnterSyncWait()
    {
        // The loop's own idle wait (between items) is no stall: only waits inside a callback count.
        if (IsOnLoopThread && (_itemSequence & 1) == 1)
        {
            Interlocked.Increment(ref _syncWaits);
        }
    }

    internal void ExitSyncWait()
    {
        if (Volatile.Read(ref _syncWaits) > 0 && IsOnLoopThread)
        {
            Interlocked.Decrement(ref _syncWaits);
        }
    }

    private void RunItemWatched(in WorkItem item)
    {
        Volatile.Write(ref _runningItem, item.Callback is TimerNode node ? (object?)node.Callback ?? node : item.Callback);
        Volatile.Write(ref _runningState, item.Callback is TimerNode callback ? callback.State : item.State);
        Interlocked.Increment(ref _itemSequence);
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
            Interlocked.Increment(ref _itemSequence);
            Volatile.Write(ref _runningItem, null);
            Volatile.Write(ref _runningState, null);
        }
    }
}
