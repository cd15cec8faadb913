using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A counter of permits for tasks of one loop. <para>Equivalent to asyncio's <c>asyncio.Semaphore</c>.</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's. Waiters are served FIFO; <see cref="Release"/> hands the permit to the
/// first waiter and schedules it, never runs it inline. A waiter cancelled while waiting takes nothing.
/// </remarks>
public class LoopSemaphore
{
    /// <summary>The waiters; a <see cref="LockAsync"/> waiter carries its releaser and is handed it with the permit.</summary>
    private readonly WaiterQueue<IDisposable> _waiters = new("LoopSemaphore.AcquireAsync");
    private LoopBinding _binding;

    /// <summary>The semaphore's type as misuse messages name it, read once: asking the type on every call costs.</summary>
    private readonly string _name;
    private int _value;

    /// <summary>Creates a semaphore with <paramref name="value"/> permits.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public LoopSemaphore(int value = 1)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A semaphore's initial value must be 0 or more.");
        }

        _value = value;
        _name = GetType().Name;

        // A waiter handed a permit but cancelled before it resumed passes the permit on: it takes nothing.
        _waiters.Resuming = (_, _, cancelled) =>
        {
            if (cancelled is not null)
            {
                HandOver();
            }

            return cancelled;
        };
    }

    /// <summary>The permits free now.</summary>
    public int Value => _value;

    /// <summary>Whether an acquire would wait. Equivalent to asyncio's <c>semaphore.locked()</c>.</summary>
    public bool Locked => _value == 0 || !_waiters.IsEmpty;

    /// <summary>Takes a permit: at once (synchronously) if one is free and nobody waits, else after the waiters before.
    /// <para>Equivalent to asyncio's <c>await semaphore.acquire()</c>.</para></summary>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; no permit was taken.</exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default) =>
        TryTakeFree() ? default : _waiters.WaitVoid(_binding.Require(_name), cancellationToken);

    /// <summary>Takes a permit and returns a releaser for <c>using</c>. Equivalent to asyncio's <c>async with semaphore:</c>.</summary>
    /// <remarks>
    /// Allocates the releaser only (it returns the permit once, however often it is disposed), also when it waits: the
    /// waiter carries it and is handed it with the permit.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; no permit was taken.</exception>
    public ValueTask<IDisposable> LockAsync(CancellationToken cancellationToken = default)
    {
        var releaser = new Releaser(this);
        return TryTakeFree()
            ? new ValueTask<IDisposable>(releaser)
            : _waiters.WaitCarrying(_binding.Require(_name), releaser, cancellationToken);
    }

    /// <summary>Returns a permit, handing it to the first waiter if any. Equivalent to asyncio's <c>semaphore.release()</c>.</summary>
    /// <exception cref="InvalidOperationException">For a <see cref="LoopBoundedSemaphore"/>: released more often than acquired.</exception>
    public virtual void Release()
    {
        _binding.Check(_name);
        HandOver();
    }

    /// <summary>Gives a permit to the first waiter, or back to the count if nobody waits.</summary>
    private void HandOver()
    {
        if (_waiters.Dequeue() is { } first)
        {
            // An AcquireAsync waiter carries nothing and gets nothing.
            first.Wake(first.Payload);
        }
        else
        {
            _value++;
        }
    }

    /// <summary>Takes a permit if one is free and nobody waits for it (a waiter would be served first).</summary>
    private bool TryTakeFree()
    {
        if (_value == 0 || !_waiters.IsEmpty)
        {
            return false;
        }

        _binding.Check(_name);
        _value--;
        return true;
    }

    private sealed class Releaser(LoopSemaphore semaphore) : IDisposable
    {
        private LoopSemaphore? _semaphore = semaphore;

        public void Dispose() => Interlocked.Exchange(ref _semaphore, null)?.Release();
    }
}

/// <summary>
/// A semaphore that refuses to be released above its initial value.
/// <para>Equivalent to asyncio's <c>asyncio.BoundedSemaphore</c>.</para>
/// </summary>
/// <remarks>Loop-affine and not thread-safe, as <see cref="LoopSemaphore"/>.</remarks>
public sealed class LoopBoundedSemaphore : LoopSemaphore
{
    private readonly int _bound;

    /// <summary>Creates a bounded semaphore with <paramref name="value"/> permits, also its maximum.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public LoopBoundedSemaphore(int value = 1)
        : base(value)
    {
        _bound = value;
    }

    /// <summary>Returns a permit. Equivalent to asyncio's <c>bounded_semaphore.release()</c>.</summary>
    /// <exception cref="InvalidOperationException">Released more often than acquired.</exception>
    public override void Release()
    {
        if (Value >= _bound)
        {
            throw new InvalidOperationException("LoopBoundedSemaphore released too many times: every Release() needs an AcquireAsync() before it.");
        }

        base.Release();
    }
}
