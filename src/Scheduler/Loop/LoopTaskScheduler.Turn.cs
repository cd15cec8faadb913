using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>One turn of the loop, asyncio's <c>_run_once</c>: the only place the loop decides what runs next.</summary>
public sealed partial class LoopTaskScheduler
{
    /// <summary>True while the turn runs items of the inbox's batch, which have no place in the ready queue.</summary>
    private bool _runningTaken;

    private static readonly Action<LoopTaskScheduler> s_runForever = static loop =>
    {
        do
        {
            loop.TakeTurn(mayWait: true);
        }
        while (!loop._stopping);
    };

    private static readonly Action<LoopTaskScheduler> s_runUntilIdle = static loop =>
    {
        while (!loop._stopping && loop.TakeTurn(mayWait: false))
        {
        }
    };

    /// <summary>
    /// One turn: with nothing to do and <paramref name="mayWait"/>, wait (<see cref="IdleWait"/>); take in the posted work
    /// and the due timers; then run exactly the items ready now, not those that they schedule.
    /// </summary>
    /// <returns>Whether anything was ready to run.</returns>
    private bool TakeTurn(bool mayWait)
    {
        if (mayWait && _ready.Count == 0 && !_stopping && !_inbox.HasTaken)
        {
            IdleWait();
        }

        int before = _ready.Count;
        int taken = _inbox.Take();
        MoveDueTimers();
        if (_ready.Count == 0 && taken == 0)
        {
            return false;
        }

        RunReady(before, taken);
        return true;
    }

    /// <summary>
    /// Nothing is ready and nothing posted: sleep until the next timer is due or work is posted, through
    /// <see cref="_idleWait"/>. An auto-advancing loop jumps its clock to the next timer instead.
    /// </summary>
    private void IdleWait()
    {
        try
        {
            if (!_timers.TryPeekWhen(out long due))
            {
                EnterRunContext();
                _idleWait.Wait(Timeout.InfiniteTimeSpan);
                return;
            }

            long now = NowTicks();
            if (due <= now)
            {
                return;
            }

            if (_autoAdvance && _inbox.IsIdle())
            {
                if (!WaitBeforeJumping())
                {
                    // Nothing can happen before the next timer but the passing of time: skip it.
                    _clock.Jump(due - now);
                }

                return;
            }

            // Going idle calls out (the clock's timer captures the context it is created in): not in a task's context.
            EnterRunContext();
            _idleWait.Wait(_clock.IdleTimeout(due - now, s_wake, this));
        }
        catch (Exception exception)
        {
            // The clock failed (reading it, or arming its timer): report it, and wait a little for posted work
            // instead, so that a broken clock neither stops the loop nor spins it.
            ReportClockFailure(exception);
            _idleWait.Wait(s_clockRetry);
        }
    }

    /// <summary>Moves the due timers into the ready queue; a clock that fails is reported and the timers wait.</summary>
    private void MoveDueTimers()
    {
        if (_timers.HasEntries && TryNow(out long now, reportFailure: true))
        {
            _timers.MoveDue(now, _ready);
        }
    }

    /// <summary>
    /// Runs exactly the items ready now; what they schedule waits for the next turn. In asyncio's order: the
    /// <paramref name="before"/> items queued before the inbox was taken, then the <paramref name="taken"/> posted ones,
    /// then the timers that fell due.
    /// </summary>
    private void RunReady(int before, int taken)
    {
        int ready = _ready.Count;
        bool plain = _watch is null && !Debug;
        RunFromQueue(before, plain);
        if (taken > 0)
        {
            _runningTaken = true;
            try
            {
                while (_inbox.TryTakeNext(out WorkItem item))
                {
                    Run(in item, plain);
                }
            }
            finally
            {
                _runningTaken = false;
            }
        }

        RunDueTimers(ready - before, plain);
        CountRun(ready + taken);
    }

    /// <summary>Runs the next <paramref name="count"/> items of the ready queue.</summary>
    private void RunFromQueue(int count, bool plain)
    {
        for (int remaining = count; remaining > 0; remaining--)
        {
            WorkItem item = _ready.Dequeue();
            Run(in item, plain);
        }
    }

    /// <summary>
    /// Runs the <paramref name="count"/> timers that fell due this turn (the rest of the ready queue), asking the
    /// processor to fetch what the next ones touch while this one runs.
    /// </summary>
    /// <remarks>
    /// Timers fire in order of due time, which for many timers is a random walk through memory: each one's node, its
    /// owner (a sleep's promise) and what that resumes miss the cache, one after the other. Fetched a few timers ahead
    /// (the node eight ahead, its owner four, the resumed object two, each read from what the step before fetched),
    /// the misses overlap with running (W6; BENCHMARKS.md).
    /// </remarks>
    private void RunDueTimers(int count, bool plain)
    {
        for (int remaining = count; remaining > 0; remaining--)
        {
            if (remaining > 8)
            {
                Prefetch.Object(_ready.PeekAhead(8));
            }

            if (remaining > 4 && _ready.PeekAhead(4) is TimerNode soon)
            {
                Prefetch.Object(soon.State);
            }

            if (remaining > 2 && _ready.PeekAhead(2) is TimerNode { State: ContinuationHolder next })
            {
                Prefetch.Object(next.ContinuationState);
            }

            WorkItem item = _ready.Dequeue();
            Run(in item, plain);
        }
    }

    /// <summary>Runs one item: straight to <see cref="Execute"/> when neither the watchdog nor debug mode is on.</summary>
    private void Run(in WorkItem item, bool plain)
    {
        if (plain)
        {
            Execute(in item);
        }
        else
        {
            RunItem(in item);
        }
    }

    /// <summary>Runs one item of the ready queue or the inbox, whatever its kind (see <see cref="WorkItem"/>).</summary>
    private void Execute(in WorkItem item)
    {
        // Most frequent first; every case but the last is a sealed type, so each test is one compare.
        switch (item.Callback)
        {
            case SendOrPostCallback or Action<object?> or Action:
                RunDelegate(in item);
                break;
            case TimerNode node:
                RunCallback(node);
                break;
            case CancelledCallback:
                break;
            default:
                // A task captured with flow suppressed runs in whatever context the thread has: make it the run's.
                EnterRunContext();
                ExecuteTask((Task)item.Callback);
                break;
        }
    }
}
