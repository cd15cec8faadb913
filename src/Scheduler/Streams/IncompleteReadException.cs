using System;
using System.IO;

namespace Scheduler;

/// <summary>
/// The stream ended before a read got what it asked for: <see cref="LoopStreamReader.ReadExactlyAsync"/> before its
/// count, <see cref="LoopStreamReader.ReadUntilAsync"/> before its separator. Equivalent to asyncio's
/// <c>IncompleteReadError</c> (an <c>EOFError</c>, as this is an <see cref="EndOfStreamException"/>).
/// </summary>
/// <remarks>Immutable: safe to read from any thread.</remarks>
public sealed class IncompleteReadException : EndOfStreamException
{
    private readonly byte[] _partial;

    /// <summary>Creates the exception for a read that got <paramref name="partial"/> and expected <paramref name="expected"/> bytes (null: up to a separator).</summary>
    public IncompleteReadException(byte[] partial, int? expected)
        : base($"{(partial ?? throw new ArgumentNullException(nameof(partial))).Length} bytes read on a total of {(expected is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "undefined")} expected bytes")
    {
        _partial = partial;
        Expected = expected;
    }

    /// <summary>The bytes read before the stream ended (asyncio's <c>partial</c>). They are no longer in the reader's buffer.</summary>
    public ReadOnlyMemory<byte> Partial => _partial;

    /// <summary>How many bytes the read asked for; null for a read up to a separator (asyncio's <c>expected</c>).</summary>
    public int? Expected { get; }
}
