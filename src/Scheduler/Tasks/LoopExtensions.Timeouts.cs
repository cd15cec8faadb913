using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public static partial class LoopExtensions
{
    /// <summary>
    /// The task's outcome if it ends within <paramref name="timeout"/>; otherwise the task is cancelled, waited for, and the
    /// wait throws <see cref="TimeoutException"/> (a result the task returns despite the cancellation wins). Cancelling
    /// the returned task, or the loop task awaiting it, cancels the inner task too. A plain task the library cannot
    /// cancel runs on after the timeout. <see cref="Timeout.InfiniteTimeSpan"/> waits without limit. Thread-safe; on a loop
    /// the timeout is a loop timer (virtual time applies). <para>Equivalent to asyncio's <c>asyncio.wait_for</c>.</para>
    /// <para>Differs from asyncio: "cancel, then wait" waits at most <see cref="LoopOptions.CancellationGracePeriod"/>
    /// (default 1 s) for the cancelled task. A task that has not finished by then (one in a plain <c>await</c> of work
    /// that never ends cannot take a cancellation) is reported to the exception handler, with what it awaits, and the
    /// wait ends anyway: <see cref="TimeoutException"/> after a timeout, cancelled after a cancellation.</para>
    /// </summary>
    public static Task<T> WaitFor<T>(this Task<T> task, TimeSpan timeout)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        return new WaitForOperation<T>(task, timeout).Promise;
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/>; see <see cref="WaitFor{T}(Task{T}, TimeSpan)"/>.</summary>
    public static Task WaitFor(this Task task, TimeSpan timeout)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        return new WaitForOperation<VoidResult>(task, timeout).Promise;
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/>; see <see cref="WaitFor{T}(Task{T}, TimeSpan)"/>.</summary>
    public static Task<T> WaitFor<T>(this ValueTask<T> task, TimeSpan timeout) => task.AsTask().WaitFor(timeout);

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/>; see <see cref="WaitFor{T}(Task{T}, TimeSpan)"/>.</summary>
    public static Task WaitFor(this ValueTask task, TimeSpan timeout) => task.AsTask().WaitFor(timeout);

    internal static async Task<T> Timeout<T>(TimeSpan delay, Func<CancellationToken, Task<T>> body)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        using var expiry = new CancellationTokenSource();
        LoopTaskState? current = LoopTaskScheduler.Running is { } loop && LoopTaskState.Current is { } task && ReferenceEquals(task.Loop, loop) ? task : null;
        Deadline? deadline = Deadline.IsInfinite(delay)
            ? null
            : Deadline.Start(delay, static state => Expire((TimeoutScope)state!), new TimeoutScope(expiry, current));
        try
        {
            return await body(expiry.Token);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested)
        {
            throw new TimeoutException($"The operation did not complete within {Durations.Format(delay)}.");
        }
        finally
        {
            deadline?.Disarm();
        }
    }

    /// <summary>At the deadline: fire the token, and end the loop-aware await the task is in, as asyncio's timeout cancels the task.</summary>
    private static void Expire(TimeoutScope scope)
    {
        try
        {
            scope.Expiry.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return; // The body finished as the deadline fired.
        }

        scope.Task?.InterruptWait(new OperationCanceledException("The deadline of AsyncIO.Timeout passed.", scope.Expiry.Token));
    }

    private sealed record TimeoutScope(CancellationTokenSource Expiry, LoopTaskState? Task);
}
