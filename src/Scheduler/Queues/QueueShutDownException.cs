using System;

namespace Scheduler;

/// <summary>
/// A put on a queue that was shut down, or a get on one shut down and empty.
/// <para>Equivalent to asyncio's <c>asyncio.QueueShutDown</c> (Python 3.13).</para>
/// </summary>
public sealed class QueueShutDownException : InvalidOperationException
{
    /// <summary>Creates the exception with the default message.</summary>
    public QueueShutDownException()
        : base("The queue was shut down.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public QueueShutDownException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public QueueShutDownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
