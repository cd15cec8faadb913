using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Writes a byte stream on the loop: asyncio's <c>StreamWriter</c>. <see cref="Write(ReadOnlySpan{byte})"/> buffers and
/// returns at once; <see cref="DrainAsync"/> is the flow control that holds a writer whose peer does not read.
/// </summary>
/// <remarks>
/// Loop-affine: every member is called on its loop's thread. The buffer is sent by the loop as the socket takes it;
/// past the high-water mark (<see cref="SetWriteBufferLimits"/>, 64 KiB by default) <see cref="DrainAsync"/> waits
/// until it is back at the low-water mark (a quarter of it), so a writer that drains never buffers without bound.
/// </remarks>
public sealed class LoopStreamWriter
{
    private readonly LoopTransport _transport;

    internal LoopStreamWriter(LoopTransport transport) => _transport = transport;

    /// <summary>The loop the writer belongs to.</summary>
    public LoopTaskScheduler Loop => _transport.Loop;

    /// <summary>
    /// The connected socket (asyncio's <c>get_extra_info('socket')</c>); null for a pipe. Reading or writing it directly
    /// bypasses the reader's and writer's buffers.
    /// </summary>
    public Socket? Socket => _transport.Socket;

    /// <summary>The peer's address (asyncio's <c>get_extra_info('peername')</c>); null for a pipe and once the connection ended.</summary>
    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    /// <summary>This side's address (asyncio's <c>get_extra_info('sockname')</c>); null for a pipe and once the connection ended.</summary>
    public EndPoint? LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Whether <see cref="Close"/> was called or the connection ended. Equivalent to <c>is_closing()</c>.</summary>
    public bool IsClosing => _transport.IsClosing;

    /// <summary>Whether <see cref="WriteEof"/> is possible: true for a stream socket. Equivalent to <c>can_write_eof()</c>.</summary>
    public bool CanWriteEof => _transport.CanWriteEof;

    /// <summary>Bytes written and not yet taken by the socket. Equivalent to the transport's <c>get_write_buffer_size()</c>.</summary>
    public int WriteBufferSize => _transport.BufferedCount;

    /// <summary>Buffers <paramref name="data"/> for sending; never waits. Writes after the connection closed are dropped, as asyncio's.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="WriteEof"/>, or off the loop thread.</exception>
    public void Write(ReadOnlySpan<byte> data)
    {
        Loop.CheckThread("LoopStreamWriter.Write");
        _transport.Write(data);
    }

    /// <summary>Buffers <paramref name="data"/> for sending; see <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="WriteEof"/>, or off the loop thread.</exception>
    public void Write(byte[] data) => Write((data ?? throw new ArgumentNullException(nameof(data))).AsSpan());

    /// <summary>Buffers each of <paramref name="lines"/>, as they are (add the line ends). Equivalent to <c>writelines</c>.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="WriteEof"/>, or off the loop thread.</exception>
    public void WriteLines(IEnumerable<byte[]> lines)
    {
        foreach (byte[] line in lines ?? throw new ArgumentNullException(nameof(lines)))
        {
            Write(line);
        }
    }

    /// <summary>
    /// Waits until the buffer is back at the low-water mark, if it went past the high-water mark; at once otherwise.
    /// A loop-aware wait: <c>task.Cancel()</c> ends it, and nothing written is lost. Equivalent to <c>drain()</c>.
    /// </summary>
    /// <exception cref="System.IO.IOException">The connection was lost (reset by the peer, or closed).</exception>
    public ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        Loop.CheckThread("LoopStreamWriter.DrainAsync");
        return _transport.DrainAsync(cancellationToken);
    }

    /// <summary>
    /// Sets when <see cref="DrainAsync"/> waits: past <paramref name="high"/> bytes buffered, until back at
    /// <paramref name="low"/>. Defaults: 64 KiB, and a quarter of high. Equivalent to <c>set_write_buffer_limits</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">low is negative or above high.</exception>
    public void SetWriteBufferLimits(int? high = null, int? low = null)
    {
        Loop.CheckThread("LoopStreamWriter.SetWriteBufferLimits");
        _transport.SetWriteBufferLimits(high, low);
    }

    /// <summary>Closes the writing side once the buffer is sent; the peer reads the end of the stream. Equivalent to <c>write_eof()</c>.</summary>
    public void WriteEof()
    {
        Loop.CheckThread("LoopStreamWriter.WriteEof");
        _transport.WriteEof();
    }

    /// <summary>Closes the connection once the buffer is sent. Idempotent. Equivalent to <c>close()</c>.</summary>
    public void Close()
    {
        Loop.CheckThread("LoopStreamWriter.Close");
        _transport.Close();
    }

    /// <summary>Closes the connection at once, dropping what is buffered. Equivalent to the transport's <c>abort()</c>.</summary>
    public void Abort()
    {
        Loop.CheckThread("LoopStreamWriter.Abort");
        _transport.Abort();
    }

    /// <summary>Completes when the connection has ended and its socket is released. Equivalent to <c>wait_closed()</c>.</summary>
    public Task WaitClosedAsync() => _transport.Closed;

    /// <summary>A name for messages: the two ends.</summary>
    public override string ToString() => $"<LoopStreamWriter {LocalEndPoint} -> {RemoteEndPoint}{(IsClosing ? " closing" : string.Empty)}>";
}
