using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A mutual-exclusion lock for tasks of one loop. <para>Equivalent to asyncio's <c>asyncio.Lock</c>.</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's: use it on its loop's thread (other threads get an exception naming
/// <c>CallSoonThreadSafe</c>). Waiters are served FIFO; <see cref="Release"/> hands the lock to the first waiter and
/// schedules it, never runs it inline. A waiter cancelled while waiting takes nothing. Not reentrant.
/// </remarks>
public sealed class LoopLock
{
    private readonly WaiterQueue<Releaser> _waiters = new("LoopLock.AcquireAsync");
    private LoopBinding _binding;
    private bool _locked;

    /// <summary>Creates an unlocked lock.</summary>
    public LoopLock()
    {
        // A waiter handed the lock but cancelled before it resumed passes the lock on: it takes nothing.
        _waiters.Resuming = (_, _, cancelled) =>
        {
            if (cancelled is not null)
            {
                HandOver();
            }

            return cancelled;
        };
    }

    /// <summary>Whether the lock is held. Equivalent to asyncio's <c>lock.locked()</c>.</summary>
    public bool Locked => _locked;

    /// <summary>
    /// Acquires the lock: at once (synchronously) when it is free and nobody waits, else after the waiters before
    /// this one. <para>Equivalent to asyncio's <c>await lock.acquire()</c>.</para>
    /// </summary>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; the lock was not taken.</exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default) =>
        TryTakeFree() ? default : _waiters.WaitVoid(_binding.Require(nameof(LoopLock)), cancellationToken);

    /// <summary>
    /// Acquires the lock and returns a releaser: <c>using (await l.LockAsync()) { … }</c>.
    /// <para>Equivalent to asyncio's <c>async with lock:</c>.</para>
    /// </summary>
    /// <remarks>Allocates nothing, also when it waits: the waiter is handed its releaser with the lock.</remarks>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait; the lock was not taken.</exception>
    public ValueTask<Releaser> LockAsync(CancellationToken cancellationToken = default) =>
        TryTakeFree() ? new ValueTask<Releaser>(new Releaser(this)) : _waiters.Wait(_binding.Require(nameof(LoopLock)), cancellationToken);

    /// <summary>Releases the lock, handing it to the first waiter if any. Equivalent to asyncio's <c>lock.release()</c>.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public void Release()
    {
        _binding.Check(nameof(LoopLock));
        if (!_locked)
        {
            throw new InvalidOperationException("LoopLock.Release() was called on a lock that is not acquired.");
        }

        HandOver();
    }

    /// <summary>Hand-over: the lock stays taken, now by the first waiter; or it is free if nobody waits.</summary>
    private void HandOver()
    {
        if (!_waiters.WakeFirst(new Releaser(this)))
        {
            _locked = false;
        }
    }

    /// <summary>Takes the lock if it is free and nobody waits for it (a waiter would be served first).</summary>
    private bool TryTakeFree()
    {
        if (_locked || !_waiters.IsEmpty)
        {
            return false;
        }

        _binding.Check(nameof(LoopLock));
        _locked = true;
        return true;
    }

    /// <summary>Releases the lock when disposed; returned by <see cref="LockAsync"/>.</summary>
    public readonly struct Releaser : IDisposable, IEquatable<Releaser>
    {
        private readonly LoopLock? _lock;

        internal Releaser(LoopLock @lock)
        {
            _lock = @lock;
        }

        /// <summary>Releases the lock.</summary>
        public void Dispose() => _lock?.Release();

        /// <inheritdoc/>
        public bool Equals(Releaser other) => ReferenceEquals(_lock, other._lock);

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is Releaser other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => _lock?.GetHashCode() ?? 0;

        /// <summary>Compares two releasers.</summary>
        public static bool operator ==(Releaser left, Releaser right) => left.Equals(right);

        /// <summary>Compares two releasers.</summary>
        public static bool operator !=(Releaser left, Releaser right) => !left.Equals(right);
    }
}
