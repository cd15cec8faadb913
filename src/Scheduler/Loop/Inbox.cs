using System;
using System.Collections.Generic;
using System.Threading;

namespace Scheduler;

/// <summary>
/// The one structure the loop shares with other threads: work posted from off the loop thread,
/// and the wake-up of an idle loop.
/// </summary>
/// <remarks>
/// A lock and two arrays swapped per batch, not a <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>:
/// on .NET 10.0.12 its <c>TryDequeue</c> can report empty while another thread grows it, and a loop
/// that takes that for "idle" strands callbacks. Under the lock, "empty" is the truth, and the
/// decision to sleep is taken under the same lock as every post, so no wake-up is lost.
/// </remarks>
internal sealed class Inbox
{
    private readonly object _lock = new();
    private WorkItem[] _items = new WorkItem[64];
    private int _count;

    /// <summary>The array handed back after a drain, so that producers and the loop alternate two buffers.</summary>
    private WorkItem[] _spare = new WorkItem[64];

    /// <summary>True while the loop sleeps in <see cref="Wait"/>: only then does a post pulse.</summary>
    private bool _waiting;

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
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            if (_count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[_count++] = item;
            if (_waiting)
            {
                Monitor.Pulse(_lock);
            }

            return true;
        }
    }

    /// <summary>
    /// Posts <paramref name="callback"/> as a handle-bearing callback, in a node from the shared pool when one is there.
    /// Returns false, and posts nothing, if the inbox is closed.
    /// </summary>
    public bool AddCallback(LoopTaskScheduler loop, Delegate callback, object? state, ExecutionContext? context, out LoopHandle handle)
    {
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
            if (_count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[_count++] = new WorkItem(node, null, null);
            if (_waiting)
            {
                Monitor.Pulse(_lock);
            }

            return true;
        }
    }

    /// <summary>Wakes the loop, or keeps its next wait from sleeping.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            _signaled = true;
            if (_waiting)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    /// <summary>
    /// Moves every posted item into <paramref name="ready"/>, in posting order, and tops the shared node pool up from the
    /// loop's own <paramref name="pool"/>. Loop thread only.
    /// </summary>
    public void DrainTo(ReadyQueue ready, LoopCallback[] pool, ref int poolCount)
    {
        // Every iteration asks, and most find nothing: skip the lock then (it cost a third of a busy loop's turn).
        // A post that lands just after this read is not lost: the loop drains it next turn, and an idle loop's wait
        // takes the lock and sees it.
        if (Volatile.Read(ref _count) == 0 && (poolCount == 0 || Volatile.Read(ref _nodeCount) == Volatile.Read(ref _nodes).Length))
        {
            return;
        }

        WorkItem[] taken;
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

            while (_nodeCount < _nodes.Length && poolCount > 0)
            {
                _nodes[_nodeCount++] = pool[--poolCount];
                pool[poolCount] = null!;
            }

            count = _count;
            if (count == 0)
            {
                return;
            }

            taken = _items;
            _items = _spare;
            _count = 0;
        }

        // Copied outside the lock: producers already write to the other array.
        ready.EnqueueRange(taken, count);
        Array.Clear(taken, 0, count);
        _spare = taken;
    }

    /// <summary>
    /// Sleeps until a post, a <see cref="Wake"/>, or <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// Returns at once when work or a wake-up is already there.
    /// </summary>
    public void Wait(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_count == 0 && !_signaled)
            {
                _waiting = true;
                try
                {
                    Monitor.Wait(_lock, timeout);
                }
                finally
                {
                    _waiting = false;
                }
            }

            _signaled = false;
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
        lock (_lock)
        {
            _external--;

            // Also when the loop is not waiting yet: it may have found the work running a moment ago and be about to sleep.
            _signaled = true;
            if (_waiting)
            {
                Monitor.Pulse(_lock);
            }
        }
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
        }
    }

    /// <summary>Copies the posted items for diagnostics.</summary>
    public void CopyTo(List<WorkItem> destination)
    {
        lock (_lock)
        {
            for (int i = 0; i < _count; i++)
            {
                destination.Add(_items[i]);
            }
        }
    }
}
