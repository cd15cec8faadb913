using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>
    /// Called by an idle auto-advancing loop about to jump to its next timer. While one of its tasks awaits work the
    /// loop cannot see (<see cref="UnseenWork"/>), waits up to <see cref="LoopOptions.AutoAdvanceThreshold"/> of real
    /// time for that work to post back, as Trio's autojump threshold. True if work came (run it; the threshold starts
    /// again the next time the loop is idle), or the loop is stopping; false to jump.
    /// </summary>
    private bool WaitBeforeJumping()
    {
        if (_autoAdvanceThreshold <= TimeSpan.Zero || !AwaitsUnseenWork())
        {
            return false;
        }

        // Going idle calls out: not in a task's context.
        EnterRunContext();
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan waited = TimeSpan.FromTicks((Stopwatch.GetTimestamp() - started) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            if (waited >= _autoAdvanceThreshold)
            {
                return false;
            }

            _idleWait.Wait(_autoAdvanceThreshold - waited);
            if (_stopping || !_inbox.IsIdle())
            {
                return true;
            }
        }
    }

    /// <summary>Whether a pending task of the loop, or the task the run waits for, awaits work the loop cannot see.</summary>
    internal bool AwaitsUnseenWork() => _taskSide.AwaitsUnseenWork(_runTarget);
}
