using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Recycled sleeps, as many as were ever pending at once, trimmed after a burst. Loop thread only.</summary>
    private readonly LoopObjectPool<SleepPromise> _sleeps = new();

    /// <summary>How many sleeps are pooled; for tests.</summary>
    internal int SleepPoolCount => _sleeps.Count;

    /// <summary>A sleep on this loop's timers; called on the loop thread by <c>AsyncIO.Sleep</c>.</summary>
    internal ValueTask Sleep(TimeSpan delay, CancellationToken token)
    {
        if (token.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(token));
        }

        SleepPromise promise = _sleeps.Rent() ?? _sleeps.Adopt(new SleepPromise(this));
        return promise.Begin(delay, token);
    }

    internal void ReturnSleep(SleepPromise promise)
    {
        if (IsOnLoopThread)
        {
            _sleeps.Return(promise);
        }
    }

    /// <summary>What a gen2 GC does to the sleep pool; for tests. False once the loop is closed.</summary>
    internal bool RequestSleepPoolTrim() => _sleeps.RequestTrim();
}
