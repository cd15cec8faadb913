using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace Scheduler.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the loop arms its wake-up timer, that is when an idle
/// loop with a pending timer is about to sleep. A test can then act on a loop it knows to be asleep, with no sleeps.
/// </summary>
/// <remarks>
/// The loop arms the timer on its own thread, after deciding to sleep and before it blocks: <see cref="OnArmed"/> runs
/// in that window, on the loop thread, once the timer is armed.
/// </remarks>
internal sealed class SleepSignalingClock : FakeTimeProvider
{
    private Action<TimeSpan>? _onArmed;

    /// <summary>Called on the loop thread each time a timer of this clock is armed with a finite due time.</summary>
    public Action<TimeSpan>? OnArmed
    {
        get => Volatile.Read(ref _onArmed);
        set => Volatile.Write(ref _onArmed, value);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SignalingTimer(this, base.CreateTimer(callback, state, dueTime, period));
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            OnArmed?.Invoke(dueTime);
        }

        return timer;
    }

    private sealed class SignalingTimer(SleepSignalingClock clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            try
            {
                return inner.Change(dueTime, period);
            }
            finally
            {
                // After arming, so that a test that advances the clock on this signal finds the timer armed; in a
                // finally, so that the test hears of it even when the inner timer refuses the due time.
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    clock.OnArmed?.Invoke(dueTime);
                }
            }
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
