using System;
using System.Threading;

namespace Scheduler;

/// <summary>
/// What an idle loop sleeps on: one pending wake-up at most, taken by the next <see cref="Wait"/>. The inbox decides
/// who signals (the one poster or waker that takes back the loop's announcement that it sleeps); the signal is given here.
/// </summary>
/// <remarks>
/// Before it blocks, a wait spins a moment and yields the processor once: a post that comes meanwhile then wakes the
/// loop without a kernel round trip (W7's median; BENCHMARKS.md). It yields once only, not as
/// <see cref="SemaphoreSlim"/> does: on a loaded machine a loop that has just yielded may not get the processor back
/// for a time slice when the next post comes, which is what W7's worst wake-ups showed.
/// </remarks>
internal sealed class WakeGate
{
    private readonly object _lock = new();
    private bool _released;

    /// <summary>Wakes the sleeper, or the next one to come.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _released = true;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>
    /// Sleeps until <see cref="Release"/> or <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none),
    /// and takes the wake-up. Returns whether there was one; may return false early, which callers treat as a timeout.
    /// </summary>
    public bool Wait(TimeSpan timeout)
    {
        var spinner = default(SpinWait);
        while (!spinner.NextSpinWillYield && !Volatile.Read(ref _released))
        {
            spinner.SpinOnce();
        }

        if (!Volatile.Read(ref _released))
        {
            Thread.Yield();
        }

        lock (_lock)
        {
            if (!_released)
            {
                Monitor.Wait(_lock, timeout);
            }

            bool released = _released;
            _released = false;
            return released;
        }
    }
}
