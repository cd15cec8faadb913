using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// <c>await foreach</c> over a <see cref="LoopQueue{T}"/>: each step is a <see cref="LoopQueue{T}.GetAsync"/>, and the
/// enumeration ends once the queue is shut down and empty. Made once per enumeration; a step allocates nothing.
/// </summary>
/// <remarks>
/// An async iterator here cost ~120 B per item that had to be waited for (a state machine box for the get, and the
/// iterator's completion posted to the loop's context) and resumed the consumer one loop turn late. A step that
/// waits completes from the get's wake-up, inline, so the consumer's body runs in the turn the item arrived, as after
/// <c>await queue.GetAsync()</c>. Loop thread only, as the queue.
/// </remarks>
/// <typeparam name="T">The queue's items.</typeparam>
internal sealed class QueueEnumerator<T> : IAsyncEnumerator<T>
{
    private readonly LoopQueue<T> _queue;
    private readonly CancellationToken _cancellationToken;
    private Step? _step;

    public QueueEnumerator(LoopQueue<T> queue, CancellationToken cancellationToken)
    {
        _queue = queue;
        _cancellationToken = cancellationToken;
    }

    public T Current { get; private set; } = default!;

    public ValueTask<bool> MoveNextAsync()
    {
        ValueTask<T> get = _queue.GetAsync(_cancellationToken);
        if (!get.IsCompleted)
        {
            // Pending, so this is the loop's thread and the loop runs: the step is bound to it for good.
            return (_step ??= new Step(LoopTaskScheduler.Running!, this)).Begin(get);
        }

        bool more = TakeResult(get, out Exception? error);
        return error is null ? new ValueTask<bool>(more) : new ValueTask<bool>(Task.FromException<bool>(error));
    }

    public ValueTask DisposeAsync() => default;

    /// <summary>Reads a completed get: the item becomes <see cref="Current"/> (true); a shutdown ends the enumeration
    /// (false); any other failure is the step's <paramref name="error"/>.</summary>
    private bool TakeResult(ValueTask<T> completed, out Exception? error)
    {
        error = null;
        try
        {
            Current = completed.GetAwaiter().GetResult();
            return true;
        }
        catch (QueueShutDownException)
        {
            return false;
        }
        catch (Exception exception)
        {
            error = exception;
            return false;
        }
    }

    /// <summary>One waiting step, reused: completes true with <see cref="Current"/> set, false at the end, or with the get's error.</summary>
    private sealed class Step : LoopPromise<bool>
    {
        private readonly QueueEnumerator<T> _enumerator;
        private readonly Action _onGot;
        private ValueTask<T> _get;

        public Step(LoopTaskScheduler loop, QueueEnumerator<T> enumerator)
            : base(loop)
        {
            _enumerator = enumerator;
            _onGot = OnGot;
        }

        public override string Operation => "LoopQueue.GetAsync";

        public override string Describe() => $"{Operation} (await foreach)";

        public ValueTask<bool> Begin(ValueTask<T> get)
        {
            ValueTask<bool> awaitable = AsValueTask();
            _get = get;
            get.GetAwaiter().UnsafeOnCompleted(_onGot);
            return awaitable;
        }

        /// <summary>Never the task's current wait (the get is): nothing to undo.</summary>
        protected override void Disarm()
        {
        }

        /// <summary>Owned by its enumerator for good: nothing to give back.</summary>
        protected override void Recycle()
        {
        }

        /// <summary>The get's wake-up, in the consumer's context: this is the turn the item arrived in.</summary>
        private void OnGot()
        {
            ValueTask<T> get = _get;
            _get = default;
            bool more = _enumerator.TakeResult(get, out Exception? error);
            Complete(more, error, inline: true);
        }
    }
}
