using System;
using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>In debug mode, a timer this far away is logged: it is more often a unit mistake than a plan.</summary>
    private static readonly TimeSpan s_hugeDelay = TimeSpan.FromDays(1);

    /// <summary>
    /// Schedules <paramref name="callback"/> to run in the next iteration of the loop.
    /// FIFO with other <c>CallSoon</c>s and <c>CallSoonThreadSafe</c>s of the calling thread; never runs inline;
    /// scheduled during an iteration, it runs in the next. It runs in the <see cref="ExecutionContext"/> of the caller.
    /// <para>Equivalent to asyncio's <c>loop.call_soon</c>.</para>
    /// </summary>
    /// <returns>A handle that can cancel the callback.</returns>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread (use <see cref="CallSoonThreadSafe(Action)"/>).</exception>
    public LoopHandle CallSoon(Action callback) => ScheduleSoon(callback, null, threadSafe: false);

    /// <summary>
    /// Schedules <paramref name="callback"/>(<paramref name="state"/>) to run in the next iteration; see <see cref="CallSoon(Action)"/>.
    /// Passing state instead of capturing it in a lambda allocates nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public LoopHandle CallSoon(Action<object?> callback, object? state) => ScheduleSoon(callback, state, threadSafe: false);

    /// <summary>
    /// Schedules <paramref name="callback"/> from any thread and wakes an idle loop. Nothing posted is lost.
    /// Calls from one thread keep their order, also mixed with <see cref="CallSoon(Action)"/> on the loop thread.
    /// <para>Equivalent to asyncio's <c>loop.call_soon_threadsafe</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    public LoopHandle CallSoonThreadSafe(Action callback) => ScheduleSoon(callback, null, threadSafe: true);

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) from any thread; see <see cref="CallSoonThreadSafe(Action)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    public LoopHandle CallSoonThreadSafe(Action<object?> callback, object? state) => ScheduleSoon(callback, state, threadSafe: true);

    /// <summary>
    /// Schedules <paramref name="callback"/> to run once <paramref name="delay"/> has passed on the loop's clock:
    /// never earlier; due timers run in order of <see cref="LoopTimerHandle.When"/>, ties in scheduling order.
    /// A negative delay counts as zero. <para>Equivalent to asyncio's <c>loop.call_later</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public LoopTimerHandle CallLater(TimeSpan delay, Action callback) => ScheduleTimer(DueAfter(delay), callback, null);

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) after <paramref name="delay"/>; see <see cref="CallLater(TimeSpan, Action)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public LoopTimerHandle CallLater(TimeSpan delay, Action<object?> callback, object? state) => ScheduleTimer(DueAfter(delay), callback, state);

    /// <summary>
    /// Schedules <paramref name="callback"/> to run at <paramref name="when"/> on the loop's clock (<see cref="Time"/>);
    /// never earlier. <para>Equivalent to asyncio's <c>loop.call_at</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public LoopTimerHandle CallAt(TimeSpan when, Action callback) => ScheduleTimer(when.Ticks, callback, null, member: nameof(CallAt));

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) at <paramref name="when"/>; see <see cref="CallAt(TimeSpan, Action)"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, or it runs on another thread.</exception>
    public LoopTimerHandle CallAt(TimeSpan when, Action<object?> callback, object? state) => ScheduleTimer(when.Ticks, callback, state, member: nameof(CallAt));

    private long DueAfter(TimeSpan delay)
    {
        long now = NowTicks();
        long ticks = Math.Max(delay.Ticks, 0);
        return ticks > long.MaxValue - now ? long.MaxValue : now + ticks;
    }

    private LoopHandle ScheduleSoon(Delegate callback, object? state, bool threadSafe)
    {
        if (callback is null)
        {
            throw new ArgumentNullException(nameof(callback));
        }

        if (!IsOnLoopThread)
        {
            // A running loop cannot be closed: only calls from elsewhere need the check.
            ThrowIfClosed();
            if (!threadSafe)
            {
                CheckThread(nameof(CallSoon));
            }

            // No node either: the handle is the post's number in the inbox (stored complemented, apart from the above).
            return _inbox.TryAdd(new WorkItem(callback, state, FlowingTask.CaptureForFork()), out long position)
                ? new LoopHandle(this, ~position)
                : throw new InvalidOperationException(ClosedMessage);
        }

        // No node: the handle is the callback's number in the ready queue, so posting writes one slot and nothing else.
        long sequence = _ready.NextSequence;
        _ready.Enqueue(callback, state, CaptureOnLoop());
        return new LoopHandle(this, sequence);
    }

    /// <summary>
    /// A callback for the library's own awaitables: scheduled like <see cref="CallSoon(Action{object?}, object?)"/>,
    /// without capturing an <see cref="ExecutionContext"/> (what it resumes restores its own).
    /// </summary>
    internal void CallSoonInternal(Action<object?> callback, object state) => CallSoonInternal(callback, state, null);

    /// <summary>
    /// As <see cref="CallSoonInternal(Action{object?}, object)"/>, run in <paramref name="context"/> (as stored on the
    /// thread; null for the run's own): the context of the code it resumes, which then finds itself already there.
    /// </summary>
    internal void CallSoonInternal(Action<object?> callback, object state, ExecutionContext? context)
    {
        if (!IsOnLoopThread)
        {
            // No handle is given out, so no node is needed either.
            if (!_inbox.Add(new WorkItem(callback, state, context)))
            {
                WriteLog($"A wake-up for {TimerNode.Describe(callback)} came after the event loop was closed and was dropped.");
            }

            return;
        }

        _ready.Enqueue(callback, state, context);
    }

    /// <summary>
    /// A timer for the library's own awaitables (sleeps): no <see cref="ExecutionContext"/> is captured, because what it
    /// resumes, an awaiting method, restores its own.
    /// </summary>
    internal LoopTimerHandle CallLaterInternal(TimeSpan delay, Action<object?> callback, object state) =>
        ScheduleTimer(DueAfter(delay), callback, state, captureContext: false);

    /// <summary>
    /// Arms an owned timer node (<see cref="TimerNode.Owned"/>) to run after <paramref name="delay"/>. Loop thread
    /// only, while the loop runs, so the checks of <see cref="ScheduleTimer"/> are not needed. The node must not be
    /// cancelled: its stale heap entry could be taken for the new one.
    /// </summary>
    internal void ArmOwnedTimer(TimerNode node, TimeSpan delay)
    {
        // A handle given out for the last use (to an exception handler) must not reach this one.
        node.Version++;
        _timers.Schedule(node, DueAfter(delay));
    }

    private LoopTimerHandle ScheduleTimer(long when, Delegate callback, object? state, bool captureContext = true, string member = nameof(CallLater))
    {
        if (callback is null)
        {
            throw new ArgumentNullException(nameof(callback));
        }

        ThrowIfClosed();
        CheckThread(member);
        TimerNode node = NewNode(callback, state, IsOnLoopThread);
        if (!captureContext)
        {
            node.Context = null;
        }

        _timers.Schedule(node, when);
        if (Debug && captureContext)
        {
            WarnIfHugeDelay(when, callback, member);
        }

        return new LoopTimerHandle(node);
    }

    private void WarnIfHugeDelay(long when, Delegate callback, string member)
    {
        // A debug warning must not turn a scheduled timer into a failed call when the clock fails.
        if (TryNow(out long now, reportFailure: false) && when - now >= s_hugeDelay.Ticks)
        {
            WriteLog($"{member} was given a delay of {Durations.Format(new TimeSpan(when - now))} for {TimerNode.Describe(callback)}: if that is not meant, check the unit (seconds, not milliseconds).");
        }
    }

    private TimerNode NewNode(Delegate callback, object? state, bool onLoop)
    {
        TimerNode node = _timers.Rent(this, onLoop);
        node.Callback = callback;
        node.State = state;
        node.Context = onLoop ? CaptureOnLoop() : FlowingTask.CaptureForFork();
        return node;
    }

    /// <summary>Cancels a scheduled callback for its handle. A cancelled node is never run nor pooled again.</summary>
    internal void CancelCallback(TimerNode node)
    {
        // Loop-affine: off the loop thread the node may be run and reused for another callback under our feet.
        CheckThread("LoopTimerHandle.Cancel");
        _timers.Cancel(node);
    }

    /// <summary>
    /// Cancels a queued callback by its handle's number, if it is still pending: a sequence number in the ready queue,
    /// or the complement of a post's number in the inbox.
    /// </summary>
    internal void CancelQueuedCallback(long id)
    {
        CheckThread("LoopHandle.Cancel");
        if (id < 0)
        {
            ref WorkItem posted = ref _inbox.Pending(~id, out bool found);
            if (found)
            {
                Cancel(ref posted);
            }
        }
        else if (_ready.IsPending(id))
        {
            Cancel(ref _ready.Slot(id));
        }

        static void Cancel(ref WorkItem slot)
        {
            if (slot.Callback is Delegate)
            {
                slot = new WorkItem(CancelledCallback.Instance, null, null);
            }
        }
    }

    /// <summary>The callback still queued under a handle's number, or null once it ran. Best effort off the loop thread.</summary>
    private object? PeekQueuedCallback(long id)
    {
        if (id >= 0)
        {
            return _ready.PeekCallback(id);
        }

        WorkItem item = _inbox.Pending(~id, out bool found);
        return found ? item.Callback : null;
    }

    /// <summary>True while a cancelled queued callback waits to be skipped. Best effort off the loop thread.</summary>
    internal bool IsQueuedCallbackCancelled(long id) => PeekQueuedCallback(id) is CancelledCallback;

    internal string DescribeQueuedCallback(long id) => PeekQueuedCallback(id) switch
    {
        CancelledCallback => "<LoopHandle cancelled>",
        Delegate callback => $"<LoopHandle {TimerNode.Describe(callback)}>",
        _ => "<LoopHandle done>",
    };

    /// <summary>
    /// Runs a queued delegate with its state in the context captured with it: a callback the loop was given
    /// (<c>CallSoon</c>, the library's wake-ups) or one posted to its synchronization context.
    /// </summary>
    private void RunDelegate(in WorkItem item)
    {
        try
        {
            RunInContext(item.Callback, item.State, item.Context);
        }
        catch (Exception exception)
        {
            CallExceptionHandler(item.Callback is SendOrPostCallback
                // This is where an exception escaping an async void method arrives: its builder rethrows it in a Post.
                ? new LoopExceptionContext("Unhandled exception in a callback posted to the loop (an async void method or SynchronizationContext.Post)")
                {
                    Exception = exception,
                }
                : new LoopExceptionContext($"Exception in callback {TimerNode.Describe((Delegate)item.Callback)}")
                {
                    Exception = exception,
                    Handle = new LoopHandle(this, _runningTaken ? ~_inbox.LastTaken : _ready.LastDequeued),
                });
        }
    }

    private void RunCallback(TimerNode node)
    {
        if (!_timers.TakeDue(node))
        {
            return;
        }

        RecordLag(node);

        // Read before the callback runs: an owned node may be armed again by it, and the handle is for this use.
        int version = node.Version;
        try
        {
            RunInContext(node.Callback!, node.State, node.Context);
        }
        catch (Exception exception)
        {
            CallExceptionHandler(new LoopExceptionContext($"Exception in callback {TimerNode.Describe(node.Callback)}")
            {
                Exception = exception,
                Handle = new LoopHandle(node, version),
            });
        }

        // A callback that cancelled its own handle keeps the node, so the handle still reads cancelled; an owned node
        // stays with its owner, which may have armed it again already.
        if (!node.Cancelled && !node.Owned)
        {
            _timers.Recycle(node);
        }
    }

    /// <summary>
    /// Posts <paramref name="callback"/> from any thread, capturing the caller's <see cref="ExecutionContext"/>.
    /// Returns false, and queues nothing, if the loop is closed.
    /// </summary>
    internal bool PostThreadSafe(SendOrPostCallback callback, object? state)
    {
        if (IsOnLoopThread)
        {
            _ready.Enqueue(callback, state, ReferenceEquals(callback, YieldResume.Callback) ? StoredContextOnLoop() : CaptureOnLoop());
            return true;
        }

        return _inbox.Add(new WorkItem(callback, state, FlowingTask.CaptureForFork()));
    }

    /// <summary>What a cancelled callback's slot in the ready queue holds until the loop skips it.</summary>
    private sealed class CancelledCallback
    {
        public static readonly CancelledCallback Instance = new();

        public override string ToString() => "<cancelled callback>";
    }
}
