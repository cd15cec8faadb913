using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// One suspended caller of a primitive or queue: a pooled promise linked into its <see cref="WaiterQueue{T}"/>.
/// </summary>
/// <typeparam name="T">
/// What the waker hands over: a queue get's item, a lock's releaser, or <see cref="VoidResult"/>. A blocked put's waiter
/// is typed by the queue's items too: it carries its item in <see cref="Payload"/> and is woken with nothing.
/// </typeparam>
internal sealed class Waiter<T> : LoopPromise<T>
{
    public Waiter(LoopTaskScheduler loop, WaiterQueue<T> queue)
        : base(loop)
    {
        Queue = queue;
    }

    /// <summary>The queue this waiter belongs to (and returns to when recycled).</summary>
    public WaiterQueue<T> Queue { get; }

    public Waiter<T>? Next;
    public Waiter<T>? Previous;

    /// <summary>Whether the waiter is linked in its queue.</summary>
    public bool IsQueued;

    /// <summary>What a blocked put carries into the queue once there is room; default for every other waiter.</summary>
    public T Payload = default!;

    public override string Describe() => Queue.Operation;

    public override string Operation => Queue.Operation;

    /// <summary>Links the waiter at the end of its queue and starts watching cancellation.</summary>
    public void Begin(CancellationToken token)
    {
        Queue.Append(this);
        Watch(token);
    }

    /// <summary>Hands <paramref name="result"/> over; the waiter leaves its queue. The awaiting code runs in a later callback.</summary>
    public void Wake(T result) => Complete(result, null, inline: false);

    /// <summary>Ends the wait with <paramref name="error"/>; the waiter leaves its queue.</summary>
    public void Fail(Exception error) => Complete(default!, error, inline: false);

    protected override void Disarm()
    {
        if (IsQueued)
        {
            Queue.Remove(this);
        }
    }

    protected override Exception? OnResume(T result, OperationCanceledException? cancelled) =>
        Queue.Resuming is { } resuming ? resuming(this, result, cancelled) : cancelled;

    protected override void Recycle()
    {
        Payload = default!;
        Queue.Return(this);
    }
}
