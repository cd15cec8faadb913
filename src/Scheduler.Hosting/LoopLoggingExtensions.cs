using System;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Scheduler.Hosting;

/// <summary>Sends a loop's exception handler to an <see cref="ILogger"/>.</summary>
public static class LoopLoggingExtensions
{
    private static readonly Action<ILogger, string, string, Exception?> s_loopException = LoggerMessage.Define<string, string>(
        LogLevel.Error, new EventId(1, "LoopException"), "Event loop {LoopName}: {Message}");

    /// <summary>
    /// Sets <paramref name="loop"/>'s exception handler to one that writes each report — an exception from a callback or
    /// an <c>async void</c> method, a task exception never retrieved, a stall — to <paramref name="logger"/> as an error,
    /// with the exception, the task's name and the callback. Replaces any handler set before.
    /// <para>Equivalent to asyncio's <c>loop.set_exception_handler</c> with a handler that calls <c>logger.error</c>.</para>
    /// </summary>
    /// <param name="loop">The loop.</param>
    /// <param name="logger">Where the reports go.</param>
    /// <returns><paramref name="loop"/>.</returns>
    /// <remarks>
    /// Threading: loop-affine, as <see cref="LoopTaskScheduler.SetExceptionHandler"/>: call it on the loop thread, or
    /// before the loop runs. The handler then runs where the loop reports: on the loop thread, and for a stall on the
    /// watchdog's timer thread (<see cref="ILogger"/> implementations are thread-safe). For a loop already running on a
    /// <see cref="LoopThread"/>, use <see cref="UseLogger(LoopThread, ILogger)"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> or <paramref name="logger"/> is null.</exception>
    public static LoopTaskScheduler UseLogger(this LoopTaskScheduler loop, ILogger logger)
    {
        if (loop is null)
        {
            throw new ArgumentNullException(nameof(loop));
        }

        if (logger is null)
        {
            throw new ArgumentNullException(nameof(logger));
        }

        loop.SetExceptionHandler((source, context) => Write(logger, source, context));
        return loop;
    }

    /// <summary>
    /// As <see cref="UseLogger(LoopTaskScheduler, ILogger)"/>, for the loop of a <see cref="LoopThread"/>: the handler
    /// is set on the loop thread, by a callback queued with <see cref="LoopTaskScheduler.CallSoonThreadSafe(Action)"/>.
    /// </summary>
    /// <param name="thread">The loop thread.</param>
    /// <param name="logger">Where the reports go.</param>
    /// <returns><paramref name="thread"/>.</returns>
    /// <remarks>
    /// Threading: thread-safe, and never blocks. Work queued on the loop after this call returns (from this thread, or
    /// from any thread that this call happens-before) reports to <paramref name="logger"/>; work queued before it may still
    /// report to the previous handler.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="thread"/> or <paramref name="logger"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The loop thread was disposed (its loop is closed).</exception>
    public static LoopThread UseLogger(this LoopThread thread, ILogger logger)
    {
        if (thread is null)
        {
            throw new ArgumentNullException(nameof(thread));
        }

        if (logger is null)
        {
            throw new ArgumentNullException(nameof(logger));
        }

        LoopTaskScheduler loop = thread.Loop;
        loop.CallSoonThreadSafe(() => loop.UseLogger(logger));
        return thread;
    }

    private static void Write(ILogger logger, LoopTaskScheduler loop, LoopExceptionContext context)
    {
        var message = new StringBuilder(context.Message);
        if (context.Task is { } task)
        {
            message.Append(" (task ").Append(task.GetName()).Append(')');
        }

        if (context.Handle is { } handle)
        {
            message.Append(" (callback ").Append(handle).Append(')');
        }

        s_loopException(logger, loop.Name ?? "(unnamed)", message.ToString(), context.Exception);
    }
}
