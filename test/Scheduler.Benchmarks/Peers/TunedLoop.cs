using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Benchmarks.Peers;

/// <summary>
/// What a careful engineer writes in an afternoon: a <see cref="SynchronizationContext"/> whose inbox is an array
/// under a lock, swapped for a second array once per batch, with <see cref="Monitor.Pulse"/> only when the loop sleeps.
/// </summary>
/// <remarks>
/// Reusable: one instance serves every <see cref="Run"/>, so its setup stays out of the measured region.
/// <see cref="Post"/> may be called from any thread; <see cref="Run"/> runs on the calling thread, one run at a time.
/// </remarks>
internal sealed class TunedLoop : SynchronizationContext
{
    private readonly object _lock = new();
    private readonly Action _complete;
    private WorkItem[] _inbox = new WorkItem[1024];

    /// <summary>The array the loop drained last; handed back to producers at the next swap.</summary>
    private WorkItem[] _spare = new WorkItem[1024];
    private int _count;

    /// <summary>True while the loop sleeps in <see cref="Monitor.Wait(object)"/>: only then does a post pulse.</summary>
    private bool _idle;

    /// <summary>Set (under the lock) when the task the current run waits for has ended.</summary>
    private bool _done;

    public TunedLoop()
    {
        _complete = Complete;
    }

    /// <summary>Queues <paramref name="d"/>; FIFO per posting thread, never inline. Thread-safe.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_lock)
        {
            if (_count == _inbox.Length)
            {
                Array.Resize(ref _inbox, _count * 2);
            }

            _inbox[_count++] = new WorkItem(d, state);
            if (_idle)
            {
                Monitor.Pulse(_lock);
            }
        }
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

            // Runs where the task completes (usually inside a callback of this loop) and only flips the flag.
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_complete);
            while (true)
            {
                WorkItem[] batch;
                int count;
                lock (_lock)
                {
                    while (_count == 0 && !_done)
                    {
                        _idle = true;
                        Monitor.Wait(_lock);
                        _idle = false;
                    }

                    if (_done)
                    {
                        // Work posted after the end belongs to no run: drop it, as a finished AsyncPump would refuse it.
                        Array.Clear(_inbox, 0, _count);
                        _count = 0;
                        _done = false;
                        break;
                    }

                    batch = _inbox;
                    count = _count;
                    _inbox = _spare;
                    _spare = batch;
                    _count = 0;
                }

                for (int i = 0; i < count; i++)
                {
                    WorkItem item = batch[i];
                    batch[i] = default;
                    item.Callback(item.State);
                }
            }

            task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private void Complete()
    {
        lock (_lock)
        {
            _done = true;
            if (_idle)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private readonly struct WorkItem(SendOrPostCallback callback, object? state)
    {
        public SendOrPostCallback Callback { get; } = callback;

        public object? State { get; } = state;
    }
}
