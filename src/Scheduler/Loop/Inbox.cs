using System;
using System.Collections.Generic;
using System.Threading;

namespace Scheduler;

/// <summary>
/// The one structure the loop shares with other threads: work posted from off the loop thread,
/// and the wake-up of an idle loop.
/// </summary>
/// <remarks>
/// A lock and two arrays swapped per batch, not a <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>: a post
/// also takes a pooled node, must be refused atomically once the inbox is closed, and must see whether the loop sleeps,
/// and one short lock does all three. (An older note here said that <c>TryDequeue</c> can report empty while another
/// thread grows the queue; a stress test of two growing producers on .NET 10.0.12 never saw it report empty with a
/// completed enqueue unconsumed.) The decision to sleep is taken under the same lock as every post, so no wake-up is
/// lost; the sleep itself is on a <see cref="WakeGate"/>, signalled after the lock is left.
/// </remarks>
internal sealed class Inbox
{
    private readonly object _lock = new();
    private WorkItem[] _items = new WorkItem[64];
    private int _count;

    /// <summary>The batch the loop took last; it holds the second array, so that posters and the loop alternate two.</summary>
    private readonly TakenBatch _batch = new();

    /// <summary>
    /// True while the loop sleeps in <see cref="Wait"/> and nobody has woken it yet: the first post to see it clears it
    /// and releases <see cref="_wake"/>, so a burst of posts wakes the loop once.
    /// </summary>
    private bool _waiting;

    /// <summary>
    /// What the idle loop sleeps on. Not the lock: a post signals it after leaving the lock, so the woken loop does not
    /// wake only to find the lock still held, and does not have to win the lock back from the posters before it returns.
    /// </summary>
    private readonly WakeGate _wake = new();

    /// <summary>A wake-up that came while the loop was not waiting; it keeps the next wait from sleeping.</summary>
    private bool _signaled;

    /// <summary>Set by <see cref="Close"/>: later posts are refused, so none is silently dropped.</summary>
    private bool _closed;

    /// <summary>Work the loop started elsewhere (executor, <c>ToThread</c>) that will post back.</summary>
    private int _external;

    /// <summary>How many recycled callback nodes other threads find here at first, so their posts allocate nothing.</summary>
    private const int InitialSharedNodes = 1024;

    /// <summary>The most the shared stock grows to (the loop's own pool keeps no more either).</summary>
    private const int MaxSharedNodes = 65536;

    /// <summary>
    /// Callback nodes for <c>CallSoonThreadSafe</c> from other threads: taken and refilled under the lock. When posters
    /// run it dry between two drains, it doubles at the next drain, so a steady stream of posts stops allocating.
    /// </summary>
    private LoopCallback?[] _nodes = new LoopCallback?[InitialSharedNodes];
    private int _nodeCount;

    /// <summary>A post found no shared node since the last drain.</summary>
    private bool _nodesRanDry;

    /// <summary>Adds <paramref name="item"/>; returns false if the inbox is closed.</summary>
    public bool Add(in WorkItem item)
    {
        bool wake;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            wake = AppendLocked(item);
        }

        ReleaseIf(wake);
        return true;
    }

    /// <summary>
    /// Posts <paramref name="callback"/> as a handle-bearing callback, in a node from the shared pool when one is there.
    /// Returns false, and posts nothing, if the inbox is closed.
    /// </summary>
    public bool AddCallback(LoopTaskScheduler loop, Delegate callback, object? state, ExecutionContext? context, out LoopHandle handle)
    {
        bool wake;
        lock (_lock)
        {
            if (_closed)
            {
                handle = default;
                return false;
            }

            LoopCallback node;
            if (_nodeCount > 0)
            {
                node = _nodes[--_nodeCount]!;
                _nodes[_nodeCount] = null;
            }
            else
            {
                _nodesRanDry = true;
                node = new LoopCallback { Loop = loop };
            }

            node.Callback = callback;
            node.State = state;
            node.Context = context;

            // The version is read before the loop can see the node, run it and recycle it.
            handle = new LoopHandle(node);
            wake = AppendLocked(new WorkItem(node, null, null));
        }

        ReleaseIf(wake);
        return true;
    }

    /// <summary>Under the lock: appends a post, and claims the sleeping loop's wake-up (see <see cref="ClaimSleeperLocked"/>).</summary>
    private bool AppendLocked(in WorkItem item)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count++] = item;
        return ClaimSleeperLocked();
    }

    /// <summary>
    /// Under the lock: true for the one caller that finds the loop asleep and nobody waking it yet; that caller
    /// releases <see cref="_wake"/> once it has left the lock (<see cref="ReleaseIf"/>).
    /// </summary>
    private bool ClaimSleeperLocked()
    {
        bool sleeping = _waiting;
        _waiting = false;
        return sleeping;
    }

    private void ReleaseIf(bool claimed)
    {
        if (claimed)
        {
            _wake.Release();
        }
    }

    /// <summary>Wakes the loop, or keeps its next wait from sleeping.</summary>
    public void Wake()
    {
        bool wake;
        lock (_lock)
        {
            // A loop that is not asleep yet keeps the wake-up for its next wait.
            wake = ClaimSleeperLocked();
            _signaled |= !wake;
        }

        ReleaseIf(wake);
    }

    /// <summary>
    /// Takes every posted item into <see cref="Batch"/>, to run in posting order, and tops the shared node pool up from the
    /// loop's own <paramref name="pool"/>. Returns how many items the batch holds. Loop thread only.
    /// </summary>
    /// <remarks>
    /// The batch runs from the array the posters filled, not copied into the ready queue first: the copy was a third of
    /// the loop's work per posted callback. A batch left unfinished (an exception escaped the loop) is handed out again
    /// before anything newer.
    /// </remarks>
    public int Take(LoopCallback[] pool, ref int poolCount)
    {
        if (_batch.HasItems)
        {
            return _batch.Remaining;
        }

        // Every iteration asks, and most find nothing: skip the lock then (it cost a third of a busy loop's turn).
        // A post that lands just after this read is not lost: the loop takes it next turn, and an idle loop's wait
        // takes the lock and sees it.
        if (Volatile.Read(ref _count) == 0 && (poolCount == 0 || Volatile.Read(ref _nodeCount) == Volatile.Read(ref _nodes).Length))
        {
            return 0;
        }

        int count;
        lock (_lock)
        {
            if (_nodesRanDry)
            {
                _nodesRanDry = false;
                if (_nodes.Length < MaxSharedNodes)
                {
                    Array.Resize(ref _nodes, _nodes.Length * 2);
                }
            }

            // One block copy, not a loop of single stores: a big burst hands back as many nodes, and this holds the lock.
            int moved = Math.Min(_nodes.Length - _nodeCount, poolCount);
            if (moved > 0)
            {
                poolCount -= moved;
                Array.Copy(pool, poolCount, _nodes, _nodeCount, moved);
                Array.Clear(pool, poolCount, moved);
                _nodeCount += moved;
            }

            count = _count;
            if (count == 0)
            {
                return 0;
            }

            // The batch's array was emptied as it ran: the posters go on in it.
            _items = _batch.Swap(_items, count);
            _count = 0;
        }

        return count;
    }

    /// <summary>The batch from <see cref="Take"/>. Loop thread only.</summary>
    public TakenBatch Batch => _batch;

    /// <summary>
    /// Sleeps until a post, a <see cref="Wake"/>, or <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// Returns at once when work or a wake-up is already there.
    /// </summary>
    public void Wait(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_count != 0 || _signaled || _batch.HasItems)
            {
                _signaled = false;
                return;
            }

            // Taken under the same lock as every post: a post either lands before this, and is seen above, or after
            // it, and sees the flag.
            _waiting = true;
        }

        if (_wake.Wait(timeout))
        {
            return;
        }

        bool claimed;
        lock (_lock)
        {
            // Timed out. Still waiting means nobody woke the loop; otherwise a post claimed the wake-up just now and
            // its release is on the way: take it, so that it does not cut the next wait short.
            claimed = !_waiting;
            _waiting = false;
        }

        // Until it comes: a wait that returns early without it would leave it to cut the next sleep short.
        while (claimed && !_wake.Wait(Timeout.InfiniteTimeSpan))
        {
        }
    }

    /// <summary>
    /// True when nothing is posted, no wake-up is pending and no external work is outstanding:
    /// the state in which an auto-advancing clock may jump.
    /// </summary>
    public bool IsIdle()
    {
        lock (_lock)
        {
            return _count == 0 && !_signaled && _external == 0;
        }
    }

    /// <summary>Counts work started off the loop that will post its completion back.</summary>
    public void BeginExternal() => Interlocked.Increment(ref _external);

    /// <summary>Uncounts it; called after the completion has been posted, so the loop never looks idle in between.</summary>
    public void EndExternal()
    {
        bool wake;
        lock (_lock)
        {
            _external--;

            // Also when the loop is not waiting yet: it may have found the work running a moment ago and be about to sleep.
            wake = ClaimSleeperLocked();
            _signaled |= !wake;
        }

        ReleaseIf(wake);
    }

    /// <summary>The number of external operations still running.</summary>
    public int ExternalCount => Volatile.Read(ref _external);

    /// <summary>Refuses later posts and drops what is queued.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Array.Clear(_items, 0, _count);
            _count = 0;
            _batch.Clear();
        }
    }

    /// <summary>Copies the posted items for diagnostics.</summary>
    public void CopyTo(List<WorkItem> destination)
    {
        _batch.CopyTo(destination);

        lock (_lock)
        {
            for (int i = 0; i < _count; i++)
            {
                destination.Add(_items[i]);
            }
        }
    }
}
