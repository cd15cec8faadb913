using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Pools up to this size never ask to be trimmed: a gen2 callback is not worth it for them.</summary>
    private const int SmallSleepPool = 16;

    private static readonly Func<object, bool> s_requestSleepPoolTrim = static loop => ((LoopTaskScheduler)loop).RequestSleepPoolTrim();

    /// <summary>
    /// Recycled sleeps, grown to the most ever pending at once, so that even a burst of them allocates nothing once
    /// it has been seen; <see cref="TrimSleepPool"/> gives back what a past burst left unused. Loop thread only.
    /// </summary>
    private SleepPromise[] _sleepPool = new SleepPromise[SmallSleepPool];
    private int _sleepPoolCount;

    /// <summary>The fewest sleeps pooled since the last trim: that many were not needed since.</summary>
    private int _sleepPoolLow;

    /// <summary>The same for the period before: a trim drops only what neither period needed.</summary>
    private int _sleepPoolLowBefore;

    /// <summary>Set after a gen2 GC, on the finalizer thread; the next sleep trims the pool.</summary>
    private volatile bool _sleepPoolTrimDue;
    private bool _sleepPoolWatched;

    /// <summary>How many sleeps are pooled; for tests.</summary>
    internal int SleepPoolCount => _sleepPoolCount;

    /// <summary>A sleep on this loop's timers; called on the loop thread by <c>AsyncIO.Sleep</c>.</summary>
    internal ValueTask Sleep(TimeSpan delay, CancellationToken token)
    {
        if (token.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(token));
        }

        if (_sleepPoolTrimDue)
        {
            TrimSleepPool();
        }

        SleepPromise promise;
        if (_sleepPoolCount > 0)
        {
            promise = _sleepPool[--_sleepPoolCount];
            if (_sleepPoolCount < _sleepPoolLow)
            {
                _sleepPoolLow = _sleepPoolCount;
            }
        }
        else
        {
            promise = new SleepPromise(this);
        }

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
            Array.Resize(ref _sleepPool, _sleepPool.Length * 2);
            if (!_sleepPoolWatched)
            {
                _sleepPoolWatched = true;
                Gen2GcCallback.Register(s_requestSleepPoolTrim, this);
            }
        }

        _sleepPool[_sleepPoolCount++] = promise;
    }

    /// <summary>What a gen2 GC does: asks the loop to trim its pool at its next sleep. Any thread; false once closed.</summary>
    internal bool RequestSleepPoolTrim()
    {
        if (IsClosed)
        {
            return false;
        }

        _sleepPoolTrimDue = true;
        return true;
    }

    /// <summary>
    /// Drops the sleeps that stayed pooled over the last two periods between trims, as the runtime's array pool drops
    /// arrays left unused for a while: a pool that bursts keep draining keeps all it has, and one grown by a past burst
    /// shrinks to what is used since. Two periods, not one, so that a gen2 GC in the middle of a burst does not take
    /// away the sleeps the rest of the burst is about to use.
    /// </summary>
    private void TrimSleepPool()
    {
        _sleepPoolTrimDue = false;
        int keep = _sleepPoolCount - Math.Min(_sleepPoolLow, _sleepPoolLowBefore);
        _sleepPoolLowBefore = _sleepPoolLow - (_sleepPoolCount - keep);

        // Past the pooled ones, slots still name the sleeps handed out: forgotten too, so that one never given back
        // (awaited off the loop, or pending when the loop closed) is not kept alive by the pool.
        Array.Clear(_sleepPool, keep, _sleepPool.Length - keep);
        _sleepPoolCount = keep;
        _sleepPoolLow = keep;

        int length = _sleepPool.Length;
        while (length > SmallSleepPool && keep <= length / 4)
        {
            length /= 2;
        }

        if (length < _sleepPool.Length)
        {
            Array.Resize(ref _sleepPool, length);
        }
    }
}
