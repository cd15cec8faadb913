using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The FIFO of waiters that every primitive and queue shares: an intrusive linked list (O(1) removal of a cancelled
/// waiter) with a small pool of waiters, so that waiting allocates nothing in steady state.
/// </summary>
/// <remarks>
/// Wake-ups hand the resource over (the lock, a permit, an item) to the first waiter as they remove it, so a waiter
/// cancelled while waiting has taken nothing, and one woken before its cancellation arrives keeps what it got.
/// Loop thread only.
/// </remarks>
/// <typeparam name="T">What a wake-up hands over.</typeparam>
internal sealed class WaiterQueue<T>
{
    private const int MaxPooled = 16;

    private readonly Waiter<T>?[] _pool = new Waiter<T>?[MaxPooled];
    private int _pooled;

    /// <summary>
    /// The first waiter made, kept here for good and lent by a flag: the usual single waiter is rented and given back
    /// without storing a reference (the pool's array store costs a GC write barrier each way).
    /// </summary>
    private Waiter<T>? _resident;
    private bool _residentLent;

    /// <summary>
    /// The ends of the list, meaningful only while <see cref="Count"/> is above zero: the last waiter to leave an
    /// otherwise empty queue stays in both, so that the same waiter queued alone again stores nothing (no GC write barrier).
    /// </summary>
    private Waiter<T>? _head;
    private Waiter<T>? _tail;

    /// <summary>Creates a queue of waiters for the operation <paramref name="operation"/> names (for task dumps).</summary>
    public WaiterQueue(string operation)
    {
        Operation = operation;
    }

    /// <summary>The operation its waiters are suspended in, as task dumps show it.</summary>
    public string Operation { get; }

    /// <summary>
    /// Called as a woken waiter resumes, with the cancellation its task still had pending (or null): the owner gives back
    /// or completes the hand-over and returns the exception the wait throws, or null.
    /// </summary>
    public Func<Waiter<T>, T, OperationCanceledException?, Exception?>? Resuming { get; set; }

    public int Count { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>The first waiter, still queued.</summary>
    public Waiter<T>? First => Count == 0 ? null : _head;

    /// <summary>Suspends the caller at the end of the queue.</summary>
    public ValueTask<T> Wait(LoopTaskScheduler loop, CancellationToken token) => Enqueue(loop, default!, token).AsValueTask();

    /// <summary>Suspends the caller at the end of the queue; the awaitable has no result.</summary>
    public ValueTask WaitVoid(LoopTaskScheduler loop, CancellationToken token) => Enqueue(loop, default!, token).AsValueTaskVoid();

    /// <summary>
    /// Suspends the caller at the end of the queue, carrying <paramref name="payload"/> in the waiter, typed (a value
    /// type is not boxed): what the waker is to hand back (a semaphore's releaser).
    /// </summary>
    public ValueTask<T> WaitCarrying(LoopTaskScheduler loop, T payload, CancellationToken token) => Enqueue(loop, payload, token).AsValueTask();

    /// <summary>As <see cref="WaitCarrying"/>, for a payload the owner takes itself (a blocked put's item); the awaitable has no result.</summary>
    public ValueTask WaitVoidCarrying(LoopTaskScheduler loop, T payload, CancellationToken token) => Enqueue(loop, payload, token).AsValueTaskVoid();

    /// <summary>Takes the first waiter out of the queue, or null.</summary>
    public Waiter<T>? Dequeue()
    {
        if (Count == 0)
        {
            return null;
        }

        Waiter<T> first = _head!;
        Remove(first);
        return first;
    }

    /// <summary>Wakes the first waiter with <paramref name="result"/>; false if nobody waits.</summary>
    public bool WakeFirst(T result)
    {
        Waiter<T>? first = Dequeue();
        first?.Wake(result);
        return first is not null;
    }

    /// <summary>Fails every waiter with a fresh exception each.</summary>
    public void FailAll(Func<Exception> error)
    {
        while (Dequeue() is { } waiter)
        {
            waiter.Fail(error());
        }
    }

    internal void Append(Waiter<T> waiter)
    {
        // A waiter out of the queue has null links already; storing only what changes saves GC write barriers.
        waiter.IsQueued = true;
        if (Count == 0)
        {
            if (!ReferenceEquals(_head, waiter))
            {
                _head = waiter;
            }

            if (!ReferenceEquals(_tail, waiter))
            {
                _tail = waiter;
            }
        }
        else
        {
            Waiter<T> tail = _tail!;
            waiter.Previous = tail;
            tail.Next = waiter;
            _tail = waiter;
        }

        Count++;
    }

    internal void Remove(Waiter<T> waiter)
    {
        Waiter<T>? previous = waiter.Previous;
        Waiter<T>? next = waiter.Next;
        // The only waiter, the usual case, has no links and stays in _head and _tail (see there).
        if (previous is not null || next is not null)
        {
            if (previous is null)
            {
                _head = next;
            }
            else
            {
                previous.Next = next;
            }

            if (next is null)
            {
                _tail = previous;
            }
            else
            {
                next.Previous = previous;
            }

            waiter.Next = null;
            waiter.Previous = null;
        }

        waiter.IsQueued = false;
        Count--;
    }

    internal void Return(Waiter<T> waiter)
    {
        if (ReferenceEquals(waiter, _resident))
        {
            _residentLent = false;
        }
        else if (_pooled < MaxPooled)
        {
            _pool[_pooled++] = waiter;
        }
    }

    /// <summary>A waiter of this use (its awaitable's version is fixed until the result is read), queued and watching <paramref name="token"/>.</summary>
    private Waiter<T> Enqueue(LoopTaskScheduler loop, T payload, CancellationToken token)
    {
        Waiter<T> waiter = Rent(loop);
        waiter.Payload = payload;
        waiter.Begin(token);
        return waiter;
    }

    private Waiter<T> Rent(LoopTaskScheduler loop)
    {
        if (!_residentLent && ReferenceEquals((_resident ??= new Waiter<T>(loop, this)).Loop, loop))
        {
            _residentLent = true;
            return _resident;
        }

        if (_pooled > 0)
        {
            Waiter<T> waiter = _pool[--_pooled]!;
            _pool[_pooled] = null;
            if (ReferenceEquals(waiter.Loop, loop))
            {
                return waiter;
            }
        }

        return new Waiter<T>(loop, this);
    }
}
