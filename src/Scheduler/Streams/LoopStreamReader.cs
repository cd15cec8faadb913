using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Reads a byte stream on the loop: asyncio's <c>StreamReader</c>. A transport (a socket, a pipe) feeds it with
/// <see cref="FeedData"/> and <see cref="FeedEof"/>; a task reads lines, exact counts, or up to a separator.
/// </summary>
/// <remarks>
/// <para>Loop-affine: every member is called on its loop's thread (or, while the loop does not run, by the thread that
/// owns it). One task reads at a time, as in asyncio: a second read while one waits throws.</para>
/// <para>Every wait is a loop-aware await: <c>task.Cancel()</c> and cancellation tokens end it, and a cancelled read
/// takes nothing from the buffer, so a later read gets the bytes. Buffered data past twice <see cref="Limit"/> pauses
/// the transport until reads bring it back under the limit.</para>
/// </remarks>
public sealed class LoopStreamReader : IAsyncEnumerable<byte[]>
{
    /// <summary>The default <see cref="Limit"/>: 64 KiB, as asyncio's <c>_DEFAULT_LIMIT</c>.</summary>
    public const int DefaultLimit = 64 * 1024;

    private static readonly byte[] s_newLine = [(byte)'\n'];

    private readonly DataWaiter _waiter;
    private readonly ReadIntoWaiter _readInto;
    private byte[] _buffer = [];
    private int _start;
    private int _count;
    private bool _eof;
    private Exception? _exception;
    private IReadTransport? _transport;
    private bool _paused;

    /// <summary>Creates a reader on the running loop.</summary>
    /// <param name="limit">The most a read looking for a separator may buffer (see <see cref="Limit"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">No loop runs on this thread: use the constructor that takes one.</exception>
    public LoopStreamReader(int limit = DefaultLimit)
        : this(LoopTaskScheduler.RunningOrThrow(), limit)
    {
    }

    /// <summary>Creates a reader on <paramref name="loop"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public LoopStreamReader(LoopTaskScheduler loop, int limit = DefaultLimit)
    {
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be positive.");
        }

        Loop = loop ?? throw new ArgumentNullException(nameof(loop));
        Limit = limit;
        _waiter = new DataWaiter(this);
        _readInto = new ReadIntoWaiter(this);
    }

    /// <summary>The loop the reader belongs to.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>
    /// The most a read looking for a separator may buffer before it fails with <see cref="LimitOverrunException"/>; and
    /// half of what the reader buffers before it pauses its transport.
    /// </summary>
    public int Limit { get; }

    /// <summary>Whether the stream ended and the buffer is empty: every read returns nothing more. Equivalent to <c>at_eof()</c>.</summary>
    public bool AtEof => _eof && _count == 0;

    /// <summary>The error the transport ended the stream with, if any; reads throw it. Equivalent to <c>exception()</c>.</summary>
    public Exception? Exception => _exception;

    /// <summary>How many bytes are buffered, not yet read.</summary>
    public int BufferedCount => _count;

    /// <summary>Appends <paramref name="data"/> to the buffer and wakes a waiting read. Equivalent to <c>feed_data</c>.</summary>
    /// <exception cref="InvalidOperationException">The stream already ended (<see cref="FeedEof"/>), or the call is off the loop thread.</exception>
    public void FeedData(ReadOnlySpan<byte> data)
    {
        Loop.CheckThread("LoopStreamReader.FeedData");
        if (_eof)
        {
            throw new InvalidOperationException("FeedData was called after FeedEof: the stream has ended.");
        }

        if (data.IsEmpty)
        {
            return;
        }

        Append(data);
        _waiter.Wake();
        _readInto.Wake();
        if (_transport is not null && !_paused && _count > 2 * Limit)
        {
            _paused = true;
            _transport.PauseReading();
        }
    }

    /// <summary>Ends the stream: reads return what is buffered, then nothing. Equivalent to <c>feed_eof</c>.</summary>
    /// <exception cref="InvalidOperationException">The call is off the loop thread.</exception>
    public void FeedEof()
    {
        Loop.CheckThread("LoopStreamReader.FeedEof");
        _eof = true;
        _waiter.Wake();
        _readInto.Wake();
    }

    /// <summary>Ends the stream with an error: every read from now on throws it. Equivalent to <c>set_exception</c>.</summary>
    /// <exception cref="InvalidOperationException">The call is off the loop thread.</exception>
    public void SetException(Exception exception)
    {
        Loop.CheckThread("LoopStreamReader.SetException");
        _exception = exception ?? throw new ArgumentNullException(nameof(exception));
        _waiter.Wake();
        _readInto.Fail(exception);
    }

    /// <summary>
    /// Reads up to <paramref name="n"/> bytes: what is buffered, waiting for data only when nothing is. With
    /// <paramref name="n"/> negative, reads until the end of the stream. Empty at the end of the stream. Equivalent to
    /// <c>read(n)</c>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The read was cancelled; nothing was taken from the buffer.</exception>
    public async ValueTask<byte[]> ReadAsync(int n = -1, CancellationToken cancellationToken = default)
    {
        BeginRead("LoopStreamReader.ReadAsync");
        if (n == 0)
        {
            return [];
        }

        if (n < 0)
        {
            while (!_eof)
            {
                ThrowIfFailed();
                await WaitForData("LoopStreamReader.ReadAsync", cancellationToken);
            }

            return Take(_count);
        }

        if (_count == 0 && !_eof)
        {
            await WaitForData("LoopStreamReader.ReadAsync", cancellationToken);
        }

        return Take(Math.Min(n, _count));
    }

    /// <summary>
    /// Reads into <paramref name="destination"/> what is buffered, up to its length, waiting for data only when nothing
    /// is: the <c>Stream.ReadAsync(Memory&lt;byte&gt;)</c> of the reader, with one copy and
    /// no allocation. Returns the count; 0 at the end of the stream (or for an empty destination).
    /// </summary>
    /// <exception cref="OperationCanceledException">The read was cancelled; nothing was taken from the buffer.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        BeginRead("LoopStreamReader.ReadAsync");
        if (_count > 0 || _eof || destination.IsEmpty)
        {
            return new ValueTask<int>(CopyTo(destination.Span));
        }

        CheckNoWaiter("LoopStreamReader.ReadAsync");
        ResumeTransport();
        return _readInto.Begin(destination, cancellationToken);
    }

    /// <summary>
    /// Reads one line, up to and with its <c>\n</c>. At the end of the stream returns the rest without one, then empty
    /// lines. Equivalent to <c>readline()</c>.
    /// </summary>
    /// <exception cref="LimitOverrunException">The line is longer than <see cref="Limit"/>: it was discarded (up to and with
    /// its <c>\n</c> if that was found, else all that was buffered), as asyncio's <c>readline</c> does.</exception>
    public async ValueTask<byte[]> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await ReadUntilCoreAsync(s_newLine, "LoopStreamReader.ReadLineAsync", cancellationToken);
        }
        catch (IncompleteReadException incomplete)
        {
            return incomplete.Partial.ToArray();
        }
        catch (LimitOverrunException overrun)
        {
            bool found = overrun.Consumed < _count && _buffer[_start + overrun.Consumed] == (byte)'\n';
            Consume(found ? overrun.Consumed + 1 : _count);
            throw;
        }
    }

    /// <summary>
    /// Reads up to and with <paramref name="separator"/>. Equivalent to <c>readuntil(separator)</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="separator"/> is empty.</exception>
    /// <exception cref="IncompleteReadException">The stream ended first: <see cref="IncompleteReadException.Partial"/> has
    /// what was buffered, which the reader no longer holds.</exception>
    /// <exception cref="LimitOverrunException">The separator was not found within <see cref="Limit"/> bytes, or was found
    /// after them: the data stays in the buffer.</exception>
    public ValueTask<byte[]> ReadUntilAsync(ReadOnlyMemory<byte> separator, CancellationToken cancellationToken = default)
    {
        if (separator.IsEmpty)
        {
            throw new ArgumentException("The separator must contain at least one byte.", nameof(separator));
        }

        return ReadUntilCoreAsync(separator, "LoopStreamReader.ReadUntilAsync", cancellationToken);
    }

    /// <summary>Reads exactly <paramref name="n"/> bytes. Equivalent to <c>readexactly(n)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    /// <exception cref="IncompleteReadException">The stream ended first: <see cref="IncompleteReadException.Partial"/> has
    /// what was buffered, which the reader no longer holds.</exception>
    public async ValueTask<byte[]> ReadExactlyAsync(int n, CancellationToken cancellationToken = default)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The count must not be negative.");
        }

        BeginRead("LoopStreamReader.ReadExactlyAsync");
        if (n == 0)
        {
            return [];
        }

        while (_count < n)
        {
            ThrowIfFailed();
            if (_eof)
            {
                throw new IncompleteReadException(Take(_count), n);
            }

            await WaitForData("LoopStreamReader.ReadExactlyAsync", cancellationToken);
        }

        return Take(n);
    }

    /// <summary>The lines of the stream, each with its <c>\n</c> (the last may lack it), until the end: <c>async for line in reader</c>.</summary>
    public async IAsyncEnumerator<byte[]> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            byte[] line = await ReadLineAsync(cancellationToken);
            if (line.Length == 0)
            {
                yield break;
            }

            yield return line;
        }
    }

    /// <summary>Whether a transport feeds the reader (data comes from outside the loop), rather than the program's own calls.</summary>
    internal bool IsFedFromOutside => _transport is not null && !_eof && _exception is null;

    /// <summary>Binds the reader to the transport it pauses and resumes; set once, by the transport.</summary>
    internal void SetTransport(IReadTransport transport) => _transport = transport;

    private async ValueTask<byte[]> ReadUntilCoreAsync(ReadOnlyMemory<byte> separator, string operation, CancellationToken cancellationToken)
    {
        BeginRead(operation);
        int offset = 0;
        while (true)
        {
            ThrowIfFailed();
            if (_count - offset >= separator.Length)
            {
                int found = _buffer.AsSpan(_start + offset, _count - offset).IndexOf(separator.Span);
                if (found >= 0)
                {
                    int end = offset + found;
                    if (end > Limit)
                    {
                        throw new LimitOverrunException("Separator is found, but chunk is longer than limit", end);
                    }

                    return Take(end + separator.Length);
                }

                // The separator may straddle what is buffered and what comes next: look again from where it could start.
                offset = _count + 1 - separator.Length;
                if (offset > Limit)
                {
                    throw new LimitOverrunException("Separator is not found, and chunk exceed the limit", offset);
                }
            }

            if (_eof)
            {
                throw new IncompleteReadException(Take(_count), null);
            }

            await WaitForData(operation, cancellationToken);
        }
    }

    /// <summary>A read starts: on the loop thread, and not after the stream failed.</summary>
    private void BeginRead(string operation)
    {
        Loop.CheckThread(operation);
        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (_exception is { } exception)
        {
            ExceptionDispatchInfo.Capture(exception).Throw();
        }
    }

    /// <summary>Waits until the transport feeds data, ends the stream or fails it; the caller looks at the buffer, and the failure, again.</summary>
    private ValueTask WaitForData(string operation, CancellationToken cancellationToken)
    {
        CheckNoWaiter(operation);

        // Waiting for data the transport holds back would wait forever: let it read again.
        ResumeTransport();
        return _waiter.Begin(operation, cancellationToken);
    }

    private void CheckNoWaiter(string operation)
    {
        if (_waiter.Pending || _readInto.Pending)
        {
            throw new InvalidOperationException($"{operation} was called while another task is already waiting for incoming data on this reader: read from one task at a time.");
        }
    }

    private int CopyTo(Span<byte> destination)
    {
        ThrowIfFailed();
        return CopyBuffered(destination);
    }

    /// <summary>Moves what is buffered, up to <paramref name="destination"/>'s length, into it.</summary>
    internal int CopyBuffered(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _count);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        Consume(n);
        return n;
    }

    /// <summary>Puts <paramref name="data"/> back at the front of the buffer: a read that took it was cancelled before it resumed.</summary>
    internal void Unread(ReadOnlySpan<byte> data)
    {
        if (_start < data.Length)
        {
            byte[] target = _count + data.Length <= _buffer.Length ? _buffer : new byte[_count + data.Length];
            Buffer.BlockCopy(_buffer, _start, target, data.Length, _count);
            _buffer = target;
            _start = data.Length;
        }

        _start -= data.Length;
        _count += data.Length;
        data.CopyTo(_buffer.AsSpan(_start));
    }

    private byte[] Take(int n)
    {
        ThrowIfFailed();
        byte[] data = _buffer.AsSpan(_start, n).ToArray();
        Consume(n);
        return data;
    }

    private void Consume(int n)
    {
        _start += n;
        _count -= n;
        if (_count == 0)
        {
            _start = 0;
        }

        if (_paused && _count <= Limit)
        {
            ResumeTransport();
        }
    }

    private void ResumeTransport()
    {
        if (_paused)
        {
            _paused = false;
            _transport!.ResumeReading();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        int end = _start + _count;
        if (data.Length > _buffer.Length - end)
        {
            byte[] target = _count + data.Length <= _buffer.Length
                ? _buffer
                : new byte[Math.Max(_count + data.Length, Math.Max(_buffer.Length * 2, 256))];
            Buffer.BlockCopy(_buffer, _start, target, 0, _count);
            _buffer = target;
            _start = 0;
            end = _count;
        }

        data.CopyTo(_buffer.AsSpan(end));
        _count += data.Length;
    }
}
