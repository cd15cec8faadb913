using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
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

/// <summary>Runs code on a thread of its own and waits for it: the "another thread" of misuse and cross-thread tests.</summary>
internal static class OtherThread
{
    /// <summary>Runs <paramref name="body"/> on a new thread, waits for it and rethrows its exception.</summary>
    public static T Run<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception exception)
            {
                error = ExceptionDispatchInfo.Capture(exception);
            }
        })
        {
            IsBackground = true,
            Name = "other thread",
        };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="body"/> on a new thread, waits for it and returns what it threw, or null.</summary>
    public static Exception? Capture(Action body) => Run<Exception?>(() =>
    {
        try
        {
            body();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    });

    /// <summary>Starts <paramref name="body"/> on a new background thread and returns that thread.</summary>
    public static Thread Start(Action body)
    {
        var thread = new Thread(() => body())
        {
            IsBackground = true,
            Name = "other thread",
        };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Spins until <paramref name="thread"/> is blocked (waiting, sleeping or joining): for a loop thread that runs
    /// nothing else, that is the idle wait. A condition, not a delay: it never decides an order by elapsed time.
    /// </summary>
    public static void WaitUntilBlocked(Thread thread)
    {
        var spin = default(SpinWait);
        while ((thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            spin.SpinOnce();
        }
    }
}

/// <summary>A <see cref="TaskScheduler"/> that runs each task on a new thread and signals once the task has returned.</summary>
internal sealed class SignalingThreadScheduler(ManualResetEventSlim afterRun) : TaskScheduler
{
    protected override void QueueTask(Task task)
    {
        var thread = new Thread(() =>
        {
            TryExecuteTask(task);
            afterRun.Set();
        })
        {
            IsBackground = true,
            Name = "executor thread",
        };
        thread.Start();
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [];
}
