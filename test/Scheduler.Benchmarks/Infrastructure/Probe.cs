using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Benchmarks.Infrastructure;

/// <summary>
/// What every callback and task step of a workload touches, and what the benchmark checks afterwards, so that a fast
/// wrong answer cannot win: how many steps ran, and whether each ran where its peer promises (the loop's thread, or,
/// for <see cref="ConcurrentExclusiveSchedulerPair"/>, its exclusive scheduler).
/// </summary>
/// <remarks>Touched by the loop only, one step at a time; read by the benchmark thread after the run.</remarks>
internal sealed class Probe
{
    /// <summary>A callback that counts one step; for <c>CallSoon</c>, ring and task posts.</summary>
    public static readonly Action<object?> HitAction = static state => ((Probe)state!).Hit();

    /// <summary>The same, for <see cref="SynchronizationContext.Post"/>.</summary>
    public static readonly SendOrPostCallback HitPost = static state => ((Probe)state!).Hit();

    /// <summary>The loop's thread, compared by identity: <see cref="Environment.CurrentManagedThreadId"/> is a runtime call on
    /// Linux (about 2.5 ns, more than the whole ring floor's step), so checking with it would weigh on every row.</summary>
    private Thread? _thread;
    private TaskScheduler? _scheduler;
    private int _target = -1;
    private TaskCompletionSource? _done;

    /// <summary>The steps run since the last reset.</summary>
    public int Count { get; private set; }

    /// <summary>Steps that ran off the loop.</summary>
    public int Misplaced { get; private set; }

    /// <summary>Completes when <see cref="Count"/> reaches the target given to <see cref="Expect"/>.</summary>
    public Task Done => _done?.Task ?? throw new InvalidOperationException("Expect() was not called.");

    /// <summary>Starts a run whose steps must run on the thread <paramref name="thread"/>.</summary>
    public void Reset(Thread thread)
    {
        _thread = thread;
        _scheduler = null;
        Clear();
    }

    /// <summary>Starts a run whose steps must run on <paramref name="scheduler"/> (a pool-backed loop has no one thread).</summary>
    public void Reset(TaskScheduler scheduler)
    {
        _thread = null;
        _scheduler = scheduler;
        Clear();
    }

    /// <summary>Makes <see cref="Done"/> complete (asynchronously, on the loop) after <paramref name="target"/> steps.</summary>
    public void Expect(int target)
    {
        _target = target;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Counts one step, and whether it ran where it should.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Hit()
    {
        if (!IsOnLoop)
        {
            Misplaced++;
        }

        if (++Count == _target)
        {
            _done!.TrySetResult();
        }
    }

    /// <summary>Whether the caller runs where the loop runs its work.</summary>
    public bool IsOnLoop => _scheduler is null ? ReferenceEquals(Thread.CurrentThread, _thread) : TaskScheduler.Current == _scheduler;

    /// <summary>Throws unless exactly <paramref name="expected"/> steps ran, all on the loop.</summary>
    public void Verify(int expected)
    {
        if (Count != expected || Misplaced != 0)
        {
            throw new InvalidOperationException($"Wrong result: {Count} steps ran ({expected} expected), {Misplaced} of them off the loop.");
        }
    }

    /// <summary>Throws unless the caller runs on the loop.</summary>
    public void VerifyOnLoop()
    {
        if (!IsOnLoop)
        {
            throw new InvalidOperationException($"Wrong place: a step ran on thread {Environment.CurrentManagedThreadId} (scheduler {TaskScheduler.Current.Id}), off the loop.");
        }
    }

    private void Clear()
    {
        Count = 0;
        Misplaced = 0;
        _target = -1;
        _done = null;
    }
}
