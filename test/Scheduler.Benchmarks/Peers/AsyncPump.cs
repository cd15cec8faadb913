using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Benchmarks.Peers;

/// <summary>
/// The classic console-app pump from Stephen Toub's "Await, SynchronizationContext, and Console Apps": a
/// <see cref="SynchronizationContext"/> over a <see cref="BlockingCollection{T}"/>, drained by <c>RunOnCurrentThread</c>.
/// Kept as people copy it; only <c>using</c> and nullability were added.
/// </summary>
/// <remarks>Every <see cref="Run"/> builds a new context and collection: the pattern offers no reuse.</remarks>
internal static class AsyncPump
{
    /// <summary>Runs <paramref name="func"/> on the calling thread until the task it returns ends; rethrows its exception.</summary>
    public static void Run(Func<Task> func)
    {
        SynchronizationContext? previous = SynchronizationContext.Current;
        try
        {
            using var context = new SingleThreadSynchronizationContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task = func() ?? throw new InvalidOperationException("No task provided.");
            task.ContinueWith(static (_, state) => ((SingleThreadSynchronizationContext)state!).Complete(), context, TaskScheduler.Default);
            context.RunOnCurrentThread();
            task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class SingleThreadSynchronizationContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<KeyValuePair<SendOrPostCallback, object?>> _queue = [];

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add(new KeyValuePair<SendOrPostCallback, object?>(d, state));

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronously sending is not supported.");

        public void RunOnCurrentThread()
        {
            foreach (KeyValuePair<SendOrPostCallback, object?> workItem in _queue.GetConsumingEnumerable())
            {
                workItem.Key(workItem.Value);
            }
        }

        public void Complete() => _queue.CompleteAdding();

        public void Dispose() => _queue.Dispose();
    }
}
