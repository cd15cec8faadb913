using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Scheduler;

/// <summary>
/// The loop's clock: <see cref="LoopOptions.TimeProvider"/> plus the time <see cref="LoopOptions.AutoAdvance"/> skipped,
/// and the provider's timer an idle loop sleeps on when the clock is not the system's. Loop thread only.
/// </summary>
/// <remarks>
/// A struct held by value in the loop's field block: it is read for every timer and sleep, and a component object would
/// put one more pointer between the loop and the provider. Never copied: the loop calls it in place.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct LoopClock
{
    /// <summary>The longest due time a <see cref="ITimer"/> accepts, in ticks.</summary>
    private const long MaxTimerTicks = (uint.MaxValue - 1L) * TimeSpan.TicksPerMillisecond;

    private readonly TimeProvider _provider;
    private readonly bool _system;

    /// <summary>Ticks added to the provider's clock by <see cref="LoopOptions.AutoAdvance"/>.</summary>
    private long _offset;

    /// <summary>With a clock other than the system's, the loop sleeps on a timer of that clock's provider.</summary>
    private ITimer? _wakeTimer;

    public LoopClock(TimeProvider provider)
    {
        _provider = provider;
        _system = ReferenceEquals(provider, TimeProvider.System);
        _offset = 0;
        _wakeTimer = null;
    }

    /// <summary>The time in ticks of the loop's clock; throws what a failing provider throws.</summary>
    /// <remarks>
    /// The system clock is read straight from <see cref="Stopwatch"/>, whose frequency the JIT sees as a constant: on
    /// Linux (1 GHz) the conversion is a division by a constant, not three divisions.
    /// </remarks>
    public readonly long NowTicks()
    {
        long ticks = _system
            ? ToTicks(Stopwatch.GetTimestamp(), Stopwatch.Frequency)
            : ToTicks(_provider.GetTimestamp(), _provider.TimestampFrequency);
        return ticks + _offset;
    }

    /// <summary>Moves the clock forward by <paramref name="ticks"/>: an auto-advancing loop skips time nothing can happen in.</summary>
    public void Jump(long ticks) => _offset += ticks;

    /// <summary>
    /// How long an idle loop waits on its inbox for <paramref name="ticks"/> of this clock to pass: the real time itself
    /// on the system clock, else forever, with the provider's timer armed to wake it through <paramref name="wake"/>.
    /// </summary>
    public TimeSpan IdleTimeout(long ticks, TimerCallback wake, object state)
    {
        if (_system)
        {
            // Monitor.Wait counts whole milliseconds: round up, so the loop does not wake just before the timer.
            long ms = Math.Min((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, int.MaxValue - 1);
            return TimeSpan.FromMilliseconds(ms);
        }

        _wakeTimer ??= _provider.CreateTimer(wake, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Timers take at most 0xFFFFFFFE ms; a longer wait just wakes once early and waits again.
        _wakeTimer.Change(new TimeSpan(Math.Min(ticks, MaxTimerTicks)), Timeout.InfiniteTimeSpan);
        return Timeout.InfiniteTimeSpan;
    }

    /// <summary>Releases the provider's timer: the loop closed.</summary>
    public void Close()
    {
        _wakeTimer?.Dispose();
        _wakeTimer = null;
    }

    /// <summary>A timestamp in ticks, exactly (rounded toward zero) for any frequency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ToTicks(long timestamp, long frequency)
    {
        if (frequency == TimeSpan.TicksPerSecond)
        {
            return timestamp;
        }

        if (frequency == 1_000_000_000)
        {
            return timestamp / 100;
        }

        return ((timestamp / frequency) * TimeSpan.TicksPerSecond) + ((timestamp % frequency) * TimeSpan.TicksPerSecond / frequency);
    }
}
