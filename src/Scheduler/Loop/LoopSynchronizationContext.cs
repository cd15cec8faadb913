using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Scheduler;

/// <summary>
/// The <see cref="SynchronizationContext"/> of a <see cref="LoopTaskScheduler"/>: current on the loop thread while the
/// loop runs, so <c>await</c> continuations come back to the loop by themselves.
/// </summary>
/// <remarks>
/// <see cref="Post"/>, <see cref="Send"/>, <see cref="OperationStarted"/> and <see cref="OperationCompleted"/> may be
/// called from any thread. One instance per loop: <see cref="CreateCopy"/> returns it.
/// </remarks>
public sealed class LoopSynchronizationContext : SynchronizationContext
{
    internal LoopSynchronizationContext(LoopTaskScheduler loop, bool notifyWaits)
    {
        Loop = loop;
        if (notifyWaits)
        {
            // The runtime then routes blocking waits on the loop thread through Wait below, so the stall watchdog can
            // tell a callback that blocks on .Result or .Wait() (a deadlock, if the work needs the loop) from a busy one.
            SetWaitNotificationRequired();
        }
    }

    /// <summary>The loop this context posts to.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>
    /// Queues <paramref name="d"/> on the loop, as <c>CallSoonThreadSafe</c> does: FIFO per posting thread, never inline,
    /// in the poster's <see cref="ExecutionContext"/>. After the loop is closed, the callback is dropped and the drop
    /// is written to <see cref="LoopOptions.Log"/>: a late TPL continuation must not crash a pool thread.
    /// </summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        if (d is null)
        {
            throw new ArgumentNullException(nameof(d));
        }

        if (!Loop.PostThreadSafe(d, state))
        {
            ILoopContinuation? hook = (state as Delegate)?.Target as ILoopContinuation;
            if (hook is { IsMoot: true })
            {
                return; // The library's wait it would wake ended already (a WaitFor that timed out): nothing is lost.
            }

            string what = AsyncMethods.DescribeCode(state) ?? hook?.Describe() ?? TimerNode.Describe(state as Delegate ?? d);
            Loop.WriteLog($"LoopSynchronizationContext.Post after the event loop was closed: {what} was dropped.");
        }
    }

    /// <summary>
    /// Runs <paramref name="d"/> on the loop and returns when it has run: inline on the loop thread, else posted and
    /// waited for (the loop must be running, or run later, for the wait to end). Its exception is rethrown here.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        if (d is null)
        {
            throw new ArgumentNullException(nameof(d));
        }

        if (Loop.IsOnLoopThread)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        Exception? error = null;
        void Run(object? _)
        {
            try
            {
                d(state);
            }
            catch (Exception exception)
            {
                error = exception;
            }
            finally
            {
                done.Set();
            }
        }

        if (!Loop.PostThreadSafe(Run, null))
        {
            throw new InvalidOperationException(LoopTaskScheduler.ClosedMessage);
        }

        done.Wait();
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>
    /// Waits as the base context does, noting for the stall watchdog that the loop thread is blocked in a synchronous wait.
    /// Only called by the runtime when the watchdog is on.
    /// </summary>
    public override int Wait(IntPtr[] waitHandles, bool waitAll, int millisecondsTimeout)
    {
        Loop.EnterSyncWait();
        try
        {
            return WaitHelper(waitHandles, waitAll, millisecondsTimeout);
        }
        finally
        {
            Loop.ExitSyncWait();
        }
    }

    /// <summary>Returns this instance: one context per loop.</summary>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Counts an <c>async void</c> method started on the loop, so <c>AsyncIO.Run</c> waits for it.</summary>
    public override void OperationStarted() => Loop.OperationStarted();

    /// <summary>Uncounts an <c>async void</c> method that finished.</summary>
    public override void OperationCompleted() => Loop.OperationCompleted();
}
