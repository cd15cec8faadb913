using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A condition variable over a <see cref="LoopLock"/>: tasks wait, with the lock released, until notified.
/// <para>Equivalent to asyncio's <c>asyncio.Condition</c>.</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's. Waiters are notified FIFO; <see cref="WaitAsync"/> returns or throws
/// with the lock held again, also when cancelled.
/// </remarks>
public sealed class LoopCondition
{
    private readonly WaiterQueue<VoidResult> _waiters = new("LoopCondition.WaitAsync");
    private LoopBinding _binding;

    /// <summary>
    /// This condition's recycled waits, as many as were ever pending at once; made at the first wait. Here, not in the
    /// loop: a field added to the loop can move the layout of its hot fields and slow posting (W2; BENCHMARKS.md).
    /// </summary>
    private LoopObjectPool<ConditionWait>? _waitPool;

    /// <summary>Creates a condition over <paramref name="lock"/>, or over a new lock.</summary>
    public LoopCondition(LoopLock? @lock = null)
    {
        Lock = @lock ?? new LoopLock();

        // A waiter notified but cancelled before it resumed passes the notification on (asyncio 3.13, gh-112202).
        _waiters.Resuming = (_, _, cancelled) =>
        {
            if (cancelled is not null)
            {
                _waiters.WakeFirst(default);
            }

            return cancelled;
        };
    }

    /// <summary>The underlying lock.</summary>
    public LoopLock Lock { get; }

    /// <summary>Whether the underlying lock is held.</summary>
    public bool Locked => Lock.Locked;

    /// <summary>Acquires the underlying lock; see <see cref="LoopLock.AcquireAsync"/>.</summary>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default) => Lock.AcquireAsync(cancellationToken);

    /// <summary>Acquires the underlying lock for <c>using</c>; see <see cref="LoopLock.LockAsync"/>.</summary>
    public ValueTask<LoopLock.Releaser> LockAsync(CancellationToken cancellationToken = default) => Lock.LockAsync(cancellationToken);

    /// <summary>Releases the underlying lock.</summary>
    public void Release() => Lock.Release();

    /// <summary>
    /// Releases the lock, waits until notified, and takes the lock again before returning — also when the wait is
    /// cancelled, then throwing <see cref="OperationCanceledException"/> with the lock held.
    /// <para>Equivalent to asyncio's <c>await condition.wait()</c>.</para>
    /// </summary>
    /// <remarks>Allocates nothing in steady state: the wait (the notification, then the lock) is one pooled awaitable.</remarks>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        RequireLocked(nameof(WaitAsync));
        LoopTaskScheduler loop = _binding.Require(nameof(LoopCondition));
        return RentWait(loop).Begin(this, WaitAndRelease(loop, cancellationToken));
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> is true, checking it first and after each notification, with the lock
    /// held. Returns the predicate's last value. <para>Equivalent to asyncio's <c>await condition.wait_for(predicate)</c>.</para>
    /// </summary>
    /// <remarks>Allocates nothing in steady state, however many notifications it takes: one pooled awaitable.</remarks>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public ValueTask<bool> WaitForAsync(Func<bool> predicate, CancellationToken cancellationToken = default)
    {
        if (predicate is null)
        {
            throw new ArgumentNullException(nameof(predicate));
        }

        try
        {
            if (predicate())
            {
                return new ValueTask<bool>(true);
            }
        }
        catch (Exception exception)
        {
            // The predicate's failure is the wait's outcome, as from asyncio's coroutine: it surfaces where it is awaited.
            return new ValueTask<bool>(Task.FromException<bool>(exception));
        }

        RequireLocked(nameof(WaitForAsync));
        LoopTaskScheduler loop = _binding.Require(nameof(LoopCondition));
        return RentWait(loop).BeginFor(this, WaitAndRelease(loop, cancellationToken), predicate, cancellationToken);
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters, FIFO. Equivalent to asyncio's <c>condition.notify(n)</c>.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public void Notify(int count = 1)
    {
        RequireLocked(nameof(Notify));
        for (int i = 0; i < count && _waiters.WakeFirst(default); i++)
        {
        }
    }

    /// <summary>Wakes every waiter. Equivalent to asyncio's <c>condition.notify_all()</c>.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Queues a waiter, then releases the lock: queued first, so a notify from whoever takes the lock next reaches it.</summary>
    internal ValueTask WaitAndRelease(LoopTaskScheduler loop, CancellationToken cancellationToken)
    {
        ValueTask notified = _waiters.WaitVoid(loop, cancellationToken);
        Lock.Release();
        return notified;
    }

    /// <summary>Gives back a wait whose result was read; on the loop thread only, as the pool is the loop's.</summary>
    internal void ReturnWait(ConditionWait wait)
    {
        if (wait.Loop.IsOnLoopThread)
        {
            _waitPool!.Return(wait);
        }
    }

    private ConditionWait RentWait(LoopTaskScheduler loop)
    {
        LoopObjectPool<ConditionWait> pool = _waitPool ??= new LoopObjectPool<ConditionWait>();
        return pool.Rent() ?? pool.Adopt(new ConditionWait(loop));
    }

    private void RequireLocked(string member)
    {
        _binding.Check(nameof(LoopCondition));
        if (!Lock.Locked)
        {
            throw new InvalidOperationException($"LoopCondition.{member} needs the lock held: acquire it first (await condition.AcquireAsync()).");
        }
    }
}
