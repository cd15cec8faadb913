using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The awaitable behind <c>AsyncIO.Sleep</c> on a loop: a pooled promise with a timer node of its own, so a sleep
/// allocates nothing in steady state.
/// </summary>
/// <remarks>
/// <para>The timer fires on the loop thread, and the awaiting method resumes inline from the timer callback, as asyncio
/// runs a task's step as a callback.</para>
/// <para>The node is kept rather than taken from the loop's pool for each sleep: made together, promise and node sit
/// side by side in memory, so scheduling and firing a sleep among thousands pending misses the cache once, not twice.
/// A cancelled node is never armed again (a handle to it must keep reading cancelled, and its entry may still be in
/// the timer heap): the next sleep makes a new one.</para>
/// </remarks>
internal sealed class SleepPromise : LoopPromise<VoidResult>, IPoolable
{
    private static readonly Action<object?> s_timerFired = static state => ((SleepPromise)state!).Complete(default, null, inline: true);

    private TimerNode _timer;

    /// <inheritdoc/>
    public int PoolNumber { get; set; } = -1;

    public SleepPromise(LoopTaskScheduler loop)
        : base(loop)
    {
        _timer = NewTimer();
    }

    /// <summary>Arms the timer (and the token); returns the awaitable for this use of the promise.</summary>
    public ValueTask Begin(TimeSpan delay, CancellationToken token)
    {
        if (_timer.Cancelled)
        {
            _timer = NewTimer();
        }

        Loop.ArmOwnedTimer(_timer, delay);
        Watch(token);
        return AsValueTaskVoid();
    }

    public override string Describe() => $"AsyncIO.Sleep until {new TimeSpan(_timer.When)}";

    public override string Operation => "AsyncIO.Sleep";

    protected override void Disarm() => Loop.CancelCallback(_timer);

    /// <summary>
    /// The timer completes the sleep inline, resuming the awaiting method: run in that method's context, the loop's
    /// lazy switch is the only one, and consecutive sleepers of one task switch nothing.
    /// </summary>
    protected override void OnResumeContextChanged() => _timer.Context = ResumeContext;

    protected override void Recycle() => Loop.TaskSide.ReturnSleep(this);

    private TimerNode NewTimer() => new()
    {
        Loop = Loop,
        Callback = s_timerFired,
        State = this,
        Context = ResumeContext,
        Owned = true,
    };
}
