using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The awaitable behind <c>AsyncIO.Sleep</c> on a loop: a loop timer and a pooled promise, so a sleep allocates
/// nothing in steady state.
/// </summary>
/// <remarks>
/// The timer fires on the loop thread, and the awaiting method resumes inline from the timer callback, as asyncio
/// runs a task's step as a callback.
/// </remarks>
internal sealed class SleepPromise(LoopTaskScheduler loop) : LoopPromise<VoidResult>(loop)
{
    private static readonly Action<object?> s_timerFired = static state => ((SleepPromise)state!).Complete(default, null, inline: true);

    private LoopTimerHandle _timer;

    /// <summary>Arms the timer (and the token); returns the awaitable for this use of the promise.</summary>
    public ValueTask Begin(TimeSpan delay, CancellationToken token)
    {
        _timer = Loop.CallLaterInternal(delay, s_timerFired, this);
        Watch(token);
        return AsValueTaskVoid();
    }

    public override string Describe() => $"AsyncIO.Sleep until {_timer.When}";

    public override string Operation => "AsyncIO.Sleep";

    protected override void Disarm() => _timer.Cancel();

    protected override void Recycle()
    {
        _timer = default;
        Loop.ReturnSleep(this);
    }
}
