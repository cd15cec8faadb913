using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Scheduler.Benchmarks.Peers;

/// <summary>
/// The floor under W4: the least a single-threaded loop can be and still resume awaiting methods one turn later. A
/// synchronization context over a ring that only its own thread fills: no lock, no wake-up, no timers, no contexts of
/// its own, no cancellation, no checks. What a hand-off costs here is what the runtime's async machinery costs.
/// </summary>
/// <remarks>Loop thread only: it serves the benchmark's single-threaded hand-offs and nothing else.</remarks>
internal sealed class FloorLoop : SynchronizationContext
{
    private readonly (SendOrPostCallback? Callback, object? State)[] _ring = new (SendOrPostCallback?, object?)[1 << 10];
    private int _head;
    private int _tail;

    /// <summary>Queues a callback for a later turn. Loop thread only; the ring is never full in W4 (two waiters).</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        if (_tail - _head == _ring.Length)
        {
            throw new InvalidOperationException("The floor loop's ring is full.");
        }

        _ring[_tail++ & (_ring.Length - 1)] = (d, state);
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronously sending is not supported.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="main"/> with this context current until the task it returns ends; rethrows its exception.</summary>
    public void Run(Func<Task> main)
    {
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(this);
        try
        {
            Task task = main();
            while (!task.IsCompleted)
            {
                if (_head == _tail)
                {
                    throw new InvalidOperationException("The floor loop ran out of work before the task ended.");
                }

                ref (SendOrPostCallback? Callback, object? State) slot = ref _ring[_head++ & (_ring.Length - 1)];
                (SendOrPostCallback? callback, object? state) = slot;
                slot = default;
                callback!(state);
            }

            task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}

/// <summary>
/// The floor's event: one waiter, its continuation queued on the <see cref="FloorLoop"/> when set (never run inline),
/// reusable. Loop thread only.
/// </summary>
internal sealed class FloorEvent : IValueTaskSource
{
    private static readonly SendOrPostCallback s_resume = static state => ((FloorEvent)state!).Resume();

    private readonly FloorLoop _loop;
    private bool _set;
    private bool _completed;
    private short _version;
    private Action<object?>? _continuation;
    private object? _continuationState;

    public FloorEvent(FloorLoop loop)
    {
        _loop = loop;
    }

    public ValueTask WaitAsync() => _set ? default : new ValueTask(this, _version);

    public void Set()
    {
        _set = true;
        if (_continuation is not null && !_completed)
        {
            _completed = true;
            _loop.Post(s_resume, this);
        }
    }

    public void Clear() => _set = false;

    public ValueTaskSourceStatus GetStatus(short token) => _completed ? ValueTaskSourceStatus.Succeeded : ValueTaskSourceStatus.Pending;

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _continuation = continuation;
        _continuationState = state;
    }

    public void GetResult(short token)
    {
        if (token != _version || !_completed)
        {
            throw new InvalidOperationException("The floor event's ValueTask was awaited wrongly.");
        }

        _completed = false;
        _version++;
    }

    private void Resume()
    {
        Action<object?> continuation = _continuation!;
        object? state = _continuationState;
        _continuation = null;
        _continuationState = null;
        continuation(state);
    }
}
