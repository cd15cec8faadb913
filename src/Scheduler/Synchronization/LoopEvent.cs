using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// An event that tasks of one loop wait for until it is set. <para>Equivalent to asyncio's <c>asyncio.Event</c>.</para>
/// </summary>
/// <remarks>
/// Loop-affine and not thread-safe, as asyncio's (from other threads: <c>loop.CallSoonThreadSafe(ev.Set)</c>).
/// <see cref="Set"/> wakes every waiter, FIFO, each scheduled, never run inline.
/// </remarks>
public sealed class LoopEvent
{
    private readonly WaiterQueue<VoidResult> _waiters = new("LoopEvent.WaitAsync");
    private LoopBinding _binding;
    private bool _set;

    /// <summary>Whether the event is set. Equivalent to asyncio's <c>event.is_set()</c>.</summary>
    public bool IsSet => _set;

    /// <summary>Waits until the event is set; completes at once (synchronously) if it is.
    /// <para>Equivalent to asyncio's <c>await event.wait()</c>.</para></summary>
    /// <exception cref="System.OperationCanceledException">The token, or the loop task's cancellation, ended the wait.</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        if (_set)
        {
            _binding.Check(nameof(LoopEvent));
            return default;
        }

        return _waiters.WaitVoid(_binding.Require(nameof(LoopEvent)), cancellationToken);
    }

    /// <summary>Sets the event and wakes every waiter. Equivalent to asyncio's <c>event.set()</c>.</summary>
    public void Set()
    {
        _binding.Check(nameof(LoopEvent));
        if (_set)
        {
            return;
        }

        _set = true;
        while (_waiters.WakeFirst(default))
        {
        }
    }

    /// <summary>Clears the event: later waits block until the next <see cref="Set"/>. Equivalent to asyncio's <c>event.clear()</c>.</summary>
    public void Clear()
    {
        _binding.Check(nameof(LoopEvent));
        _set = false;
    }
}
