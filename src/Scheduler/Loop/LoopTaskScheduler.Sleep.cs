using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Sleeps kept for reuse beyond this are left to the GC, so a huge burst does not pin memory forever.</summary>
    private const int MaxPooledSleeps = 65536;

    /// <summary>Recycled sleeps, grown to the most ever pending at once (up to <see cref="MaxPooledSleeps"/>). Loop thread only.</summary>
    private SleepPromise[] _sleepPool = new SleepPromise[16];
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
        if (!IsOnLoopThread)
        {
            return;
        }

        if (_sleepPoolCount == _sleepPool.Length)
        {
            if (_sleepPoolCount == MaxPooledSleeps)
            {
                return;
            }

            Array.Resize(ref _sleepPool, _sleepPool.Length * 2);
        }

        _sleepPool[_sleepPoolCount++] = promise;
    }
}
