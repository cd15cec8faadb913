using System;
using System.Threading;

namespace Scheduler;

/// <summary>
/// A one-shot timeout for the combinators: a loop timer when created on a loop (so virtual time drives it), else a
/// system timer.
/// </summary>
/// <remarks><see cref="Disarm"/> is thread-safe: off the loop thread it posts the timer's cancellation to the loop.</remarks>
internal sealed class Deadline
{
    /// <summary>The longest due time a system timer takes.</summary>
    private static readonly TimeSpan s_maxSystemDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly LoopTaskScheduler? _loop;
    private readonly LoopTimerHandle _timer;
    private readonly ITimer? _systemTimer;

    private Deadline(LoopTaskScheduler? loop, LoopTimerHandle timer, ITimer? systemTimer)
    {
        _loop = loop;
        _timer = timer;
        _systemTimer = systemTimer;
    }

    /// <summary>True when <paramref name="timeout"/> means "no timeout": null or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static bool IsInfinite(TimeSpan? timeout) => timeout is null || timeout.Value == Timeout.InfiniteTimeSpan;

    /// <summary>Calls <paramref name="callback"/>(<paramref name="state"/>) once <paramref name="delay"/> has passed.</summary>
    public static Deadline Start(TimeSpan delay, Action<object?> callback, object state)
    {
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        if (LoopTaskScheduler.Running is { } loop)
        {
            return new Deadline(loop, loop.CallLaterInternal(delay, callback, state), null);
        }

        if (delay > s_maxSystemDelay)
        {
            delay = s_maxSystemDelay;
        }

        return new Deadline(null, default, TimeProvider.System.CreateTimer(new TimerCallback(callback), state, delay, Timeout.InfiniteTimeSpan));
    }

    /// <summary>Cancels the timeout if it has not fired. Any thread.</summary>
    public void Disarm()
    {
        if (_systemTimer is not null)
        {
            _systemTimer.Dispose();
            return;
        }

        LoopTaskScheduler loop = _loop!;
        if (loop.IsOnLoopThread || !loop.IsRunning)
        {
            _timer.Cancel();
            return;
        }

        try
        {
            loop.CallSoonThreadSafe(static state => ((Deadline)state!)._timer.Cancel(), this);
        }
        catch (InvalidOperationException)
        {
            // The loop is closed: its timers are gone already.
        }
    }
}
