using System.IO;

namespace Scheduler;

/// <summary>
/// A read looking for a separator went past the reader's limit (<see cref="LoopStreamReader.Limit"/>). Equivalent to
/// asyncio's <c>LimitOverrunError</c>.
/// </summary>
/// <remarks>Immutable: safe to read from any thread.</remarks>
public sealed class LimitOverrunException : IOException
{
    /// <summary>Creates the exception; <paramref name="consumed"/> is how many bytes the read would have to consume.</summary>
    public LimitOverrunException(string message, int consumed)
        : base(message)
    {
        Consumed = consumed;
    }

    /// <summary>
    /// The bytes to consume to get past the overrun (asyncio's <c>consumed</c>). After <see cref="LoopStreamReader.ReadUntilAsync"/>
    /// they are still in the buffer; after <see cref="LoopStreamReader.ReadLineAsync"/> they were discarded, with the separator if found.
    /// </summary>
    public int Consumed { get; }
}
