using System;
using System.Text;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// What the loop tells its exception handler: asyncio's <c>context</c> dictionary as a type.
/// </summary>
/// <remarks>Immutable once built; safe to pass between threads.</remarks>
public sealed class LoopExceptionContext
{
    /// <summary>Creates a context with its message.</summary>
    /// <param name="message">What went wrong, in a sentence.</param>
    public LoopExceptionContext(string message)
    {
        Message = message ?? throw new ArgumentNullException(nameof(message));
    }

    /// <summary>What went wrong, in a sentence (asyncio's <c>'message'</c>).</summary>
    public string Message { get; }

    /// <summary>The exception, if any (asyncio's <c>'exception'</c>).</summary>
    public Exception? Exception { get; init; }

    /// <summary>The task concerned, if any (asyncio's <c>'task'</c> or <c>'future'</c>).</summary>
    public Task? Task { get; init; }

    /// <summary>The scheduled callback concerned, if any (asyncio's <c>'handle'</c>).</summary>
    public LoopHandle? Handle { get; init; }

    /// <summary>The message, then the task, the handle and the exception, one per line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Message);
        if (Task is { } task)
        {
            text.Append("\ntask: ").Append(task.GetName()).Append(" (").Append(task.Status).Append(')');
        }

        if (Handle is { } handle)
        {
            text.Append("\nhandle: ").Append(handle);
        }

        if (Exception is { } exception)
        {
            text.Append('\n').Append(exception);
        }

        return text.ToString();
    }
}
