using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    private const int MaxPooledSleeps = 1024;

    private readonly SleepPromise[] _sleepPool = new SleepPromise[MaxPooledSleeps];
    private int _sleepPoolCount;

    /// <summary>A sleep on this loop's timers; called on the loop thread by <c>AsyncIO.Sleep</c>.</summary>
    internal ValueTask Sleep(TimeSpan delay, CancellationToken token)
    {
        if (token.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(token));
        }

        LoopTaskState? task = LoopTaskState.Current;
        if (task is not null && !ReferenceEquals(task.Loop, this))
        {
            task = null;
        }

        if (task?.TakePendingCancel() is { } cancelled)
        {
            return new ValueTask(Task.FromException(cancelled));
        }

        SleepPromise promise = _sleepPoolCount > 0 ? _sleepPool[--_sleepPoolCount] : new SleepPromise(this);
        return promise.Begin(delay, task, token);
    }

    internal void ReturnSleep(SleepPromise promise)
    {
        if (IsOnLoopThread && _sleepPoolCount < MaxPooledSleeps)
        {
            _sleepPool[_sleepPoolCount++] = promise;
        }
    }

    /// <summary>Brings a token's cancellation of a sleep to the loop thread.</summary>
    internal void PostCancellation(SleepPromise promise, short version)
    {
        try
        {
            CallSoonThreadSafe(static state =>
            {
                var (p, v) = ((SleepPromise, short))state!;
                p.CancelFromToken(v);
            }, (promise, version));
        }
        catch (InvalidOperationException)
        {
            // The loop is closed: nothing will ever resume that sleep.
        }
    }
}
