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

        SleepPromise promise = _sleepPoolCount > 0 ? _sleepPool[--_sleepPoolCount] : new SleepPromise(this);
        return promise.Begin(delay, token);
    }

    internal void ReturnSleep(SleepPromise promise)
    {
        if (IsOnLoopThread && _sleepPoolCount < MaxPooledSleeps)
        {
            _sleepPool[_sleepPoolCount++] = promise;
        }
    }
}
