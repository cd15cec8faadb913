using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A barrier: each task that calls <see cref="WaitAsync"/> waits until <see cref="Parties"/> tasks have, then all go on.
/// <para>Equivalent to asyncio's <c>asyncio.Barrier</c> (Python 3.11).</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's. The barrier is reusable: once it releases its parties it fills again.
/// A waiter cancelled while waiting leaves the barrier, its place free again.
/// </remarks>
public sealed class LoopBarrier
{
    private readonly WaiterQueue<int> _waiters = new("LoopBarrier.WaitAsync");
    private LoopBinding _binding;

    /// <summary>Creates a barrier for <paramref name="parties"/> tasks.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is less than 1.</exception>
    public LoopBarrier(int parties)
    {
        if (parties < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(parties), parties, "A barrier needs at least one party.");
        }

        Parties = parties;
    }

    /// <summary>The number of tasks needed to pass the barrier.</summary>
    public int Parties { get; }

    /// <summary>The number of tasks waiting now. Equivalent to asyncio's <c>barrier.n_waiting</c>.</summary>
    public int NWaiting => _waiters.Count;

    /// <summary>Whether the barrier is broken (<see cref="Abort"/>). Equivalent to asyncio's <c>barrier.broken</c>.</summary>
    public bool Broken { get; private set; }

    /// <summary>
    /// Waits until <see cref="Parties"/> tasks wait; returns this task's arrival index, 0 to <see cref="Parties"/> − 1.
    /// The last to arrive does not suspend. <para>Equivalent to asyncio's <c>await barrier.wait()</c>.</para>
    /// </summary>
    /// <exception cref="BrokenBarrierException">The barrier is broken, or is reset or aborted while waiting.</exception>
    /// <exception cref="OperationCanceledException">The token, or the loop task's cancellation, ended the wait.</exception>
    public ValueTask<int> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (Broken)
        {
            _binding.Check(nameof(LoopBarrier));
            return new ValueTask<int>(Task.FromException<int>(new BrokenBarrierException()));
        }

        int index = _waiters.Count;
        if (index + 1 < Parties)
        {
            return _waiters.Wait(_binding.Require(nameof(LoopBarrier)), cancellationToken);
        }

        _binding.Check(nameof(LoopBarrier));
        for (int i = 0; _waiters.WakeFirst(i); i++)
        {
        }

        return new ValueTask<int>(index);
    }

    /// <summary>Returns the barrier to its empty, unbroken state; tasks waiting get <see cref="BrokenBarrierException"/>.
    /// <para>Equivalent to asyncio's <c>await barrier.reset()</c>.</para></summary>
    public void Reset()
    {
        _binding.Check(nameof(LoopBarrier));
        _waiters.FailAll(static () => new BrokenBarrierException());
        Broken = false;
    }

    /// <summary>Breaks the barrier: tasks waiting, and later calls of <see cref="WaitAsync"/>, get
    /// <see cref="BrokenBarrierException"/> until <see cref="Reset"/>. Equivalent to asyncio's <c>await barrier.abort()</c>.</summary>
    public void Abort()
    {
        _binding.Check(nameof(LoopBarrier));
        Broken = true;
        _waiters.FailAll(static () => new BrokenBarrierException());
    }
}

/// <summary>A <see cref="LoopBarrier"/> was broken or reset while waiting. Equivalent to asyncio's <c>BrokenBarrierError</c>.</summary>
public sealed class BrokenBarrierException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public BrokenBarrierException()
        : base("The barrier is broken: it was aborted or reset.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public BrokenBarrierException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public BrokenBarrierException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
