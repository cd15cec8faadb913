using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary><c>async void</c> methods (and other operations) announced to the synchronization context and not yet completed.</summary>
    private int _operations;
    private TaskCompletionSource<bool>? _operationsIdle;

    /// <summary>The number of <c>async void</c> methods started on the loop's context that have not finished. Thread-safe.</summary>
    public int PendingOperations => Volatile.Read(ref _operations);

    internal void OperationStarted() => Interlocked.Increment(ref _operations);

    internal void OperationCompleted()
    {
        if (Interlocked.Decrement(ref _operations) == 0)
        {
            Interlocked.Exchange(ref _operationsIdle, null)?.TrySetResult(true);
        }
    }

    /// <summary>A task that completes once no <c>async void</c> operation is pending on the loop's context.</summary>
    internal Task WhenOperationsCompleted()
    {
        if (Volatile.Read(ref _operations) == 0)
        {
            return Task.CompletedTask;
        }

        var idle = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<bool>? current = Interlocked.CompareExchange(ref _operationsIdle, idle, null) ?? idle;

        // The last operation may have completed between the read above and the exchange.
        if (Volatile.Read(ref _operations) == 0)
        {
            current.TrySetResult(true);
        }

        return current.Task;
    }
}
