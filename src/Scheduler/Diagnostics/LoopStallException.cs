using System;

namespace Scheduler;

/// <summary>
/// What the stall watchdog hands to the exception handler: one callback has held the loop thread too long.
/// Never thrown; it carries the facts of the report.
/// </summary>
public sealed class LoopStallException : Exception
{
    /// <summary>Creates a report.</summary>
    public LoopStallException(string message, TimeSpan blockedFor, bool inSynchronousWait)
        : base(message)
    {
        BlockedFor = blockedFor;
        InSynchronousWait = inSynchronousWait;
    }

    /// <summary>Creates a report with only a message.</summary>
    public LoopStallException()
        : base("The event loop is blocked.")
    {
    }

    /// <summary>Creates a report with only a message.</summary>
    public LoopStallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates a report with a message and a cause.</summary>
    public LoopStallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How long the callback had held the loop when it was reported.</summary>
    public TimeSpan BlockedFor { get; }

    /// <summary>Whether the loop thread was blocked in a synchronous wait: the sync-over-async deadlock's sign.</summary>
    public bool InSynchronousWait { get; }
}
