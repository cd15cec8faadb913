using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// One <see cref="LoopCondition.WaitAsync"/> or <see cref="LoopCondition.WaitForAsync"/>: waits for the notification,
/// then takes the lock back (and, for a predicate, checks it and waits again while it is false), and only then
/// completes what the caller awaits. Pooled by its condition, so a condition wait allocates nothing in steady state (an
/// async method here cost its state machine box, 176 B, per wait).
/// </summary>
/// <remarks>
/// <para>Each step is what asyncio's <c>Condition.wait</c> does, at the same loop turn: the notified waiter resumes
/// (the condition waiter's wake-up, scheduled) and asks for the lock then, so a task that asks for the lock in between
/// gets it first, as in asyncio. The caller resumes inline in the turn the lock came back, as it would after an
/// awaited async method.</para>
/// <para>Both inner waits are made in the waiting task's context (the second from the first's wake-up, which resumes
/// there), so a task cancellation ends whichever is in progress: during the notification wait it is kept and thrown
/// once the lock is back; during the re-acquire it is kept and the lock asked for again. The predicate runs in that
/// context too, with the lock held. Loop thread only.</para>
/// </remarks>
internal sealed class ConditionWait : LoopPromise<bool>, IPoolable
{
    private readonly Action _step;
    private LoopCondition? _condition;

    /// <summary>The inner wait in progress: the notification, then the lock's.</summary>
    private ValueTask _inner;
    private bool _reacquiring;
    private OperationCanceledException? _cancelled;

    /// <summary>WaitForAsync's predicate and token (the token ends each wait it starts again); null for WaitAsync.</summary>
    private Func<bool>? _predicate;
    private CancellationToken _token;

    public ConditionWait(LoopTaskScheduler loop)
        : base(loop)
    {
        _step = Step;
    }

    /// <inheritdoc/>
    public int PoolNumber { get; set; } = -1;

    /// <summary>What a task dump shows: the stage too, as the async method's frames showed it.</summary>
    public override string Describe() => _reacquiring ? $"{Operation}, taking the lock back (LoopLock.AcquireAsync)" : Operation;

    public override string Operation => "LoopCondition.WaitAsync";

    /// <summary>Starts a <c>WaitAsync</c>: <paramref name="notified"/> is the condition waiter, already queued, the lock already released.</summary>
    public ValueTask Begin(LoopCondition condition, ValueTask notified)
    {
        ValueTask awaitable = AsValueTaskVoid();
        Start(condition, notified);
        return awaitable;
    }

    /// <summary>Starts a <c>WaitForAsync</c> whose predicate was false, as <see cref="Begin"/>.</summary>
    public ValueTask<bool> BeginFor(LoopCondition condition, ValueTask notified, Func<bool> predicate, CancellationToken token)
    {
        ValueTask<bool> awaitable = AsValueTask();
        _predicate = predicate;
        _token = token;
        Start(condition, notified);
        return awaitable;
    }

    /// <summary>Never the task's current wait (the inner waits are): nothing to undo.</summary>
    protected override void Disarm()
    {
    }

    protected override void Recycle()
    {
        LoopCondition condition = _condition!;
        _condition = null;
        _predicate = null;
        _token = default;
        condition.ReturnWait(this);
    }

    private void Start(LoopCondition condition, ValueTask notified)
    {
        _condition = condition;
        _reacquiring = false;
        Continue(notified);
    }

    private void Continue(ValueTask inner)
    {
        _inner = inner;
        inner.GetAwaiter().UnsafeOnCompleted(_step);
    }

    /// <summary>Runs when the inner wait in progress completed, in the waiting task's context, on the loop thread.</summary>
    private void Step()
    {
        ValueTask inner = _inner;
        _inner = default;
        try
        {
            inner.GetAwaiter().GetResult();
            if (_reacquiring)
            {
                Reacquired();
                return;
            }
        }
        catch (OperationCanceledException exception)
        {
            _cancelled ??= exception;
        }
        catch (Exception exception)
        {
            // Not a cancellation: it surfaces at once, without the lock, as an exception awaited in WaitAsync would.
            Finish(exception);
            return;
        }

        // The lock comes back whatever happens: a cancellation during the re-acquire is kept and the acquire retried.
        _reacquiring = true;
        ValueTask acquire = _condition!.Lock.AcquireAsync(CancellationToken.None);
        if (!acquire.IsCompleted)
        {
            Continue(acquire);
            return;
        }

        // Taken at once: an acquire that does not wait cannot fail.
        Reacquired();
    }

    /// <summary>The lock is back: done, unless the predicate is still false (and nothing cancelled the wait).</summary>
    private void Reacquired()
    {
        if (_predicate is null || _cancelled is not null)
        {
            Finish(null);
            return;
        }

        bool result;
        try
        {
            result = _predicate();
        }
        catch (Exception exception)
        {
            Finish(exception);
            return;
        }

        if (result)
        {
            Finish(null);
            return;
        }

        _reacquiring = false;
        Continue(_condition!.WaitAndRelease(Loop, _token));
    }

    private void Finish(Exception? error)
    {
        Exception? outcome = error ?? _cancelled;
        _cancelled = null;

        // Inline: this is the loop turn the inner wait's wake-up was scheduled for. A predicate's wait ends only true.
        Complete(true, outcome, inline: true);
    }
}
