using System.Threading;

namespace Scheduler;

/// <summary>
/// What the stall watchdog watches: which item the loop runs now, a sequence bumped as each item starts and ends, and
/// the synchronous waits the loop thread is blocked in. Made only when the watchdog is on: without it the turn runs
/// items unwatched and pays nothing for this.
/// </summary>
/// <remarks>Written by the loop thread; read by the watchdog's thread, through volatile reads.</remarks>
internal sealed class ItemWatch
{
    /// <summary>Bumped before and after each item: odd while an item runs.</summary>
    private int _itemSequence;

    /// <summary>What runs now (a delegate, a task) and its state, for the watchdog's report.</summary>
    private object? _runningItem;
    private object? _runningState;

    /// <summary>Depth of synchronous waits the loop thread is blocked in, as the synchronization context is told.</summary>
    private int _syncWaits;

    public ItemWatch(StallWatchdog watchdog) => Watchdog = watchdog;

    /// <summary>The watchdog that reads this.</summary>
    public StallWatchdog Watchdog { get; }

    /// <summary>The item sequence: unchanged and odd across two checks means one item held the loop all that time.</summary>
    public int ItemSequence => Volatile.Read(ref _itemSequence);

    /// <summary>Whether the loop thread is blocked in a synchronous wait inside an item.</summary>
    public bool InSyncWait => Volatile.Read(ref _syncWaits) > 0;

    /// <summary>What runs now and its state; null between items.</summary>
    public object? RunningItem(out object? state)
    {
        object? what = Volatile.Read(ref _runningItem);
        state = Volatile.Read(ref _runningState);
        return what;
    }

    /// <summary>An item is about to run on the loop thread.</summary>
    public void Begin(in WorkItem item)
    {
        Volatile.Write(ref _runningItem, item.Callback is TimerNode node ? (object?)node.Callback ?? node : item.Callback);
        Volatile.Write(ref _runningState, item.Callback is TimerNode callback ? callback.State : item.State);
        Interlocked.Increment(ref _itemSequence);
    }

    /// <summary>The item that began has ended, however it ended.</summary>
    public void End()
    {
        Interlocked.Increment(ref _itemSequence);
        Volatile.Write(ref _runningItem, null);
        Volatile.Write(ref _runningState, null);
    }

    /// <summary>The loop thread blocks in a synchronous wait; only a wait inside an item counts (the idle wait is no stall).</summary>
    public void EnterSyncWait()
    {
        if ((_itemSequence & 1) == 1)
        {
            Interlocked.Increment(ref _syncWaits);
        }
    }

    /// <summary>The synchronous wait <see cref="EnterSyncWait"/> counted has ended.</summary>
    public void ExitSyncWait()
    {
        if (Volatile.Read(ref _syncWaits) > 0)
        {
            Interlocked.Decrement(ref _syncWaits);
        }
    }
}
