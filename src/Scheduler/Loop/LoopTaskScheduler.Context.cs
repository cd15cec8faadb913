using System.Threading;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>The last context captured on the loop thread for scheduled work, and what it became without the task.</summary>
    private ExecutionContext? _captureSource;
    private ExecutionContext? _captureResult;

    /// <summary>
    /// <see cref="LoopTaskState.CaptureForFork()"/> on the loop thread, remembering the last answer: a burst of
    /// scheduling from one step captures the same context each time.
    /// </summary>
    private ExecutionContext? CaptureOnLoop()
    {
        ExecutionContext? captured = ExecutionContext.Capture();
        if (!ReferenceEquals(captured, _captureSource))
        {
            ExecutionContext? result = LoopTaskState.CaptureForFork(captured);
#if NET8_0_OR_GREATER
            // The context callbacks run in anyway (the run's own): null says so, and storing null costs no GC barrier.
            if (ReferenceEquals(result, _runContext))
            {
                result = null;
            }
#endif
            _captureResult = result;
            _captureSource = captured;
        }

        return _captureResult;
    }

    /// <summary>The context of the thread that runs the loop, captured as the run starts: callbacks run in it between switches.</summary>
    private ExecutionContext? _runContext;

    /// <summary>
    /// Runs <paramref name="callback"/>(<paramref name="state"/>) in <paramref name="context"/>, the context captured when
    /// the work was scheduled, and leaves the loop thread's contexts as they were.
    /// </summary>
    /// <remarks>
    /// Most work is scheduled from the loop thread with nothing flowing, so its context is the loop thread's own. On
    /// .NET 8+ that case calls the callback directly and undoes afterwards whatever it changed (an <c>AsyncLocal</c>, the
    /// synchronization context), which is what <see cref="ExecutionContext.Run"/> would do, minus its switch.
    /// </remarks>
#pragma warning disable CA1822 // Static on netstandard2.0 only, where the fast path is missing.
    private void RunInContext(ExecutionContext? context, ContextCallback callback, object state)
    {
#if NET8_0_OR_GREATER
        ExecutionContext? current = ExecutionContext.Capture();
        if (context is null || ReferenceEquals(context, current))
        {
            try
            {
                callback(state);
            }
            finally
            {
                if (!ReferenceEquals(ExecutionContext.Capture(), current) && current is not null)
                {
                    ExecutionContext.Restore(current);
                }

                if (!ReferenceEquals(System.Threading.SynchronizationContext.Current, SynchronizationContext))
                {
                    System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
                }
            }

            return;
        }
#else
        if (context is null)
        {
            callback(state);
            return;
        }
#endif
        ExecutionContext.Run(context, callback, state);
    }
#pragma warning restore CA1822
}
