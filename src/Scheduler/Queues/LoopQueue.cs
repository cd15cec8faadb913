using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A first-in, first-out queue for producer and consumer tasks of one loop, bounded by <see cref="MaxSize"/>.
/// <para>Equivalent to asyncio's <c>asyncio.Queue</c>, with Python 3.13's <c>shutdown</c>.</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's (from other threads, go through <c>CallSoonThreadSafe</c> or
/// <c>RunCoroutineThreadSafe</c>). Waiting getters and putters are served FIFO; a put hands its item straight to the
/// first waiting getter, and a get hands the room it frees to the first waiting putter, each woken in a later callback,
/// never inline. A getter or putter cancelled while waiting takes or leaves nothing. <see cref="TryPut"/>,
/// <see cref="TryGet"/> and a get or put that need not wait allocate nothing; a wait reuses pooled awaitables.
/// Enumerating the queue with <c>await foreach</c> gets items until the queue is shut down and empty.
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
public class LoopQueue<T> : IAsyncEnumerable<T>
{
    private readonly QueueStorage<T> _items;
    private readonly WaiterQueue<T> _getters = new("LoopQueue.GetAsync");
    private readonly WaiterQueue<T> _putters = new("LoopQueue.PutAsync");
    private readonly WaiterQueue<VoidResult> _joiners = new("LoopQueue.JoinAsync");
    private LoopBinding _binding;

    /// <summary>The queue's type as misuse messages name it, read once: asking the type on every call costs.</summary>
    private readonly string _name;
    private int _unfinished;
    private bool _shutDown;

    /// <summary>Room given to woken putters that have not resumed yet: their items enter when they do.</summary>
    private int _reserved;

    /// <summary>Creates a queue holding at most <paramref name="maxSize"/> items; 0 (or less) for no bound.</summary>
    public LoopQueue(int maxSize = 0)
        : this(maxSize, new FifoStorage<T>())
    {
    }

    private protected LoopQueue(int maxSize, QueueStorage<T> storage)
    {
        MaxSize = Math.Max(maxSize, 0);
        _items = storage;
        _name = GetType().Name;

        // A getter handed an item but cancelled before it resumed gives the item back: it takes nothing.
        _getters.Resuming = (_, item, cancelled) =>
        {
            if (cancelled is not null)
            {
                GiveBack(item);
            }

            return cancelled;
        };

        // A putter handed room puts its item as it resumes, as asyncio's put does after its wait; cancelled by then,
        // it puts nothing and the room passes on.
        _putters.Resuming = (putter, _, cancelled) =>
        {
            _reserved--;
            if (cancelled is not null)
            {
                OfferRoom();
                return cancelled;
            }

            if (_shutDown)
            {
                return new QueueShutDownException();
            }

            Add(putter.Payload);
            return null;
        };
    }

    /// <summary>The bound: at most this many items; 0 means none. Equivalent to asyncio's <c>queue.maxsize</c>.</summary>
    public int MaxSize { get; }

    /// <summary>The number of items in the queue. Equivalent to asyncio's <c>queue.qsize()</c>.</summary>
    public int Count => _items.Count;

    /// <summary>Whether the queue holds no item. Equivalent to asyncio's <c>queue.empty()</c>.</summary>
    public bool IsEmpty => _items.Count == 0;

    /// <summary>Whether the queue holds <see cref="MaxSize"/> items (counting those of woken putters about to resume).
    /// Equivalent to asyncio's <c>queue.full()</c>.</summary>
    public bool IsFull => MaxSize > 0 && _items.Count + _reserved >= MaxSize;

    /// <summary>Whether <see cref="Shutdown"/> was called.</summary>
    public bool IsShutDown => _shutDown;

    /// <summary>Puts <paramref name="item"/> without waiting; false when the queue is full.
    /// <para>Equivalent to asyncio's <c>queue.put_nowait</c> (which raises <c>QueueFull</c> instead).</para></summary>
    /// <exception cref="QueueShutDownException">The queue was shut down.</exception>
    public bool TryPut(T item)
    {
        _binding.Check(_name);
        ThrowIfShutDown();
        if (IsFull)
        {
            return false;
        }

        Add(item);
        return true;
    }

    /// <summary>
    /// Puts <paramref name="item"/>, waiting for room while the queue is full (at once, synchronously, when there is room).
    /// <para>Equivalent to asyncio's <c>await queue.put(item)</c>.</para>
    /// </summary>
    /// <exception cref="QueueShutDownException">The queue was shut down, before or while waiting.</exception>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; the item was not put.</exception>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default)
    {
        if (_shutDown)
        {
            _binding.Check(_name);
            return new ValueTask(Task.FromException(new QueueShutDownException()));
        }

        if (!IsFull)
        {
            _binding.Check(_name);
            Add(item);
            return default;
        }

        return _putters.WaitVoidCarrying(_binding.Require(_name), item, cancellationToken);
    }

    /// <summary>Takes an item without waiting; false when the queue is empty.
    /// <para>Equivalent to asyncio's <c>queue.get_nowait</c> (which raises <c>QueueEmpty</c> instead).</para></summary>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty.</exception>
    public bool TryGet(out T item)
    {
        _binding.Check(_name);
        if (_items.Count > 0)
        {
            item = Take();
            return true;
        }

        ThrowIfShutDown();
        item = default!;
        return false;
    }

    /// <summary>
    /// Takes an item, waiting while the queue is empty (at once, synchronously, when it is not).
    /// <para>Equivalent to asyncio's <c>await queue.get()</c>.</para>
    /// </summary>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty, before or while waiting.</exception>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; no item was taken.</exception>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_items.Count > 0)
        {
            _binding.Check(_name);
            return new ValueTask<T>(Take());
        }

        if (_shutDown)
        {
            _binding.Check(_name);
            return new ValueTask<T>(Task.FromException<T>(new QueueShutDownException()));
        }

        return _getters.Wait(_binding.Require(_name), cancellationToken);
    }

    /// <summary>
    /// Tells the queue that an item taken earlier is fully processed; when every item put has been, <see cref="JoinAsync"/>
    /// returns. <para>Equivalent to asyncio's <c>queue.task_done()</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">Called more times than there were items.</exception>
    public void TaskDone()
    {
        _binding.Check(_name);
        if (_unfinished <= 0)
        {
            throw new InvalidOperationException("TaskDone() was called more times than there were items put in the queue.");
        }

        if (--_unfinished == 0)
        {
            WakeJoiners();
        }
    }

    /// <summary>Waits until every item put has been taken and marked with <see cref="TaskDone"/>.
    /// <para>Equivalent to asyncio's <c>await queue.join()</c>.</para></summary>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait.</exception>
    public ValueTask JoinAsync(CancellationToken cancellationToken = default)
    {
        if (_unfinished == 0)
        {
            _binding.Check(_name);
            return default;
        }

        return _joiners.WaitVoid(_binding.Require(_name), cancellationToken);
    }

    /// <summary>
    /// Shuts the queue down: later puts throw <see cref="QueueShutDownException"/>, and so do gets once the queue is empty;
    /// waiting putters and getters are woken with it. With <paramref name="immediate"/>, the items left are dropped and
    /// counted as done, so <see cref="JoinAsync"/> returns. <para>Equivalent to asyncio's <c>queue.shutdown(immediate)</c>.</para>
    /// </summary>
    public void Shutdown(bool immediate = false)
    {
        _binding.Check(_name);
        _shutDown = true;
        if (immediate)
        {
            int dropped = _items.Count;
            _items.Clear();
            _unfinished = Math.Max(_unfinished - dropped, 0);
            if (_unfinished == 0)
            {
                WakeJoiners();
            }
        }

        // Getters wait only on an empty queue, and no put can come now: none will ever get an item.
        _getters.FailAll(static () => new QueueShutDownException());
        _putters.FailAll(static () => new QueueShutDownException());
    }

    /// <summary>Gets items, in the queue's order, until it is shut down and empty. Each item is taken as by <see cref="GetAsync"/>.</summary>
    /// <remarks>The enumerator is made once per enumeration; a step, waiting or not, allocates nothing.</remarks>
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new QueueEnumerator<T>(this, cancellationToken);

    private void Add(T item)
    {
        _unfinished++;

        // A getter waits only while the queue is empty: the item goes straight to it.
        Waiter<T>? getter = _getters.Dequeue();
        if (getter is not null)
        {
            getter.Wake(item);
            return;
        }

        _items.Add(item);
    }

    private T Take()
    {
        T item = _items.Take();
        OfferRoom();
        return item;
    }

    /// <summary>Reserves free room for the first waiting putter and wakes it; its item enters when it resumes.</summary>
    private void OfferRoom()
    {
        if (!_shutDown && !IsFull && _putters.Dequeue() is { } putter)
        {
            _reserved++;
            putter.Wake(default!);
        }
    }

    /// <summary>Returns an item a cancelled getter was handed: to the next getter, or to the front of the queue.</summary>
    private void GiveBack(T item)
    {
        if (_getters.Dequeue() is { } getter)
        {
            getter.Wake(item);
            return;
        }

        _items.AddFirst(item);
    }

    private void WakeJoiners()
    {
        while (_joiners.WakeFirst(default))
        {
        }
    }

    private void ThrowIfShutDown()
    {
        if (_shutDown)
        {
            throw new QueueShutDownException();
        }
    }
}
