using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// One byte stream on the loop (asyncio's transport with its stream protocol): a receive loop that feeds the reader, a
/// send loop that empties the write buffer, flow control both ways, and the close. What it streams over (a socket, a
/// child process's pipe) is the subclass's. Loop thread only; the completions of its I/O come back to the loop through
/// its synchronization context.
/// </summary>
/// <remarks>
/// The two loops are each one long-lived async method per connection, waiting on the loop's own events between uses,
/// so reading, writing and draining allocate nothing per message once the buffers have grown to the traffic.
/// </remarks>
internal abstract class LoopTransport : IReadTransport
{
    /// <summary>asyncio's default high-water mark of the write buffer (64 KiB); the low-water mark is a quarter of it.</summary>
    public const int DefaultHighWater = 64 * 1024;

    private const int ReceiveSize = 16 * 1024;

    private readonly LoopTaskScheduler _loop;
    private readonly byte[] _receiveBuffer = new byte[ReceiveSize];
    private readonly LoopEvent _readable = new();
    private readonly LoopEvent _hasData = new();
    private readonly LoopEvent _writable = new();
    private readonly TaskCompletionSource<bool> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _writeBuffer = [];
    private int _writeCount;
    private bool _readingPaused;
    private bool _eofWritten;
    private bool _sendDone;
    private bool _receiving;
    private bool _sending;
    private bool _released;
    private bool _finished;
    private Exception? _lostWith;

    private readonly bool _reads;
    private readonly bool _writes;

    /// <summary>A transport that <paramref name="reads"/> into its reader and <paramref name="writes"/> what is written to it.</summary>
    protected LoopTransport(LoopTaskScheduler loop, int limit, bool reads, bool writes)
    {
        _loop = loop;
        _reads = reads;
        _writes = writes;
        Reader = new LoopStreamReader(loop, limit);
        Reader.SetTransport(this);
        HighWater = DefaultHighWater;
        LowWater = DefaultHighWater / 4;
        _readable.Set();
        _writable.Set();
    }

    /// <summary>The socket streamed over, if it is one.</summary>
    public virtual Socket? Socket => null;

    /// <summary>The peer's address, for a socket; null otherwise and once the connection ended.</summary>
    public virtual EndPoint? RemoteEndPoint => null;

    /// <summary>This side's address, for a socket; null otherwise and once the connection ended.</summary>
    public virtual EndPoint? LocalEndPoint => null;

    /// <summary>Whether the writing side can be closed on its own (<see cref="WriteEof"/>).</summary>
    public abstract bool CanWriteEof { get; }

    public LoopStreamReader Reader { get; }

    public LoopTaskScheduler Loop => _loop;

    public int HighWater { get; private set; }

    public int LowWater { get; private set; }

    /// <summary>Bytes written and not yet handed to the socket.</summary>
    public int BufferedCount => _writeCount;

    /// <summary>Close or abort was called, or the connection was lost.</summary>
    public bool IsClosing { get; private set; }

    /// <summary>The connection ended (closed, aborted, or lost) and its socket was released.</summary>
    public bool IsLost { get; private set; }

    /// <summary>Whether <see cref="WriteEof"/> was called.</summary>
    public bool EofRequested { get; private set; }

    /// <summary>Raised once the connection ended; the server uses it to forget its client.</summary>
    public event Action<LoopTransport>? Lost;

    /// <summary>Completes when the connection ended: its socket released, none of its operations in flight.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Starts the receive and send loops, apart from the task that made the transport. Called once, on the loop thread.</summary>
    public void Start() => Detached.Start(this, static transport =>
    {
        if (transport._reads)
        {
            _ = transport.ReceiveLoop();
        }

        if (transport._writes)
        {
            _ = transport.SendLoop();
        }
    });

    public void PauseReading()
    {
        _readingPaused = true;
        _readable.Clear();
    }

    public void ResumeReading()
    {
        _readingPaused = false;
        _readable.Set();
    }

    public void SetWriteBufferLimits(int? high, int? low)
    {
        int highWater = high ?? (low is { } l ? 4 * l : DefaultHighWater);
        int lowWater = low ?? highWater / 4;
        if (highWater < lowWater || lowWater < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(high), $"The limits must satisfy high ({highWater}) >= low ({lowWater}) >= 0.");
        }

        HighWater = highWater;
        LowWater = lowWater;
        UpdateWritable();
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (EofRequested)
        {
            throw new InvalidOperationException("Write was called after WriteEof: the writing side of the stream is closed.");
        }

        if (!_writes)
        {
            throw new InvalidOperationException("This stream is read-only: nothing can be written to it.");
        }

        // As asyncio: writes to a closing or lost connection go nowhere.
        if (IsClosing || data.IsEmpty)
        {
            return;
        }

        if (data.Length > _writeBuffer.Length - _writeCount)
        {
            var grown = new byte[Math.Max(_writeCount + data.Length, Math.Max(2 * _writeBuffer.Length, 4096))];
            Buffer.BlockCopy(_writeBuffer, 0, grown, 0, _writeCount);
            _writeBuffer = grown;
        }

        data.CopyTo(_writeBuffer.AsSpan(_writeCount));
        _writeCount += data.Length;
        _hasData.Set();
        UpdateWritable();
    }

    /// <summary>Waits until the write buffer is at or under the low-water mark; throws if the connection was lost.</summary>
    public async ValueTask DrainAsync(System.Threading.CancellationToken cancellationToken)
    {
        ThrowIfLost();
        while (!_writable.IsSet)
        {
            await _writable.WaitAsync(cancellationToken);
            ThrowIfLost();
        }
    }

    public void WriteEof()
    {
        if (EofRequested || IsClosing)
        {
            return;
        }

        EofRequested = true;
        _hasData.Set();
    }

    /// <summary>Closes after the buffered data is sent (asyncio's <c>transport.close()</c>).</summary>
    public void Close()
    {
        if (IsClosing)
        {
            return;
        }

        IsClosing = true;
        _hasData.Set();
    }

    /// <summary>Closes at once, dropping the buffered data (asyncio's <c>transport.abort()</c>).</summary>
    public void Abort()
    {
        IsClosing = true;
        _writeCount = 0;
        ConnectionLost(null, abortive: true);
    }

    private void ThrowIfLost()
    {
        if (IsLost)
        {
            throw _lostWith is null ? new IOException("Connection lost") : new IOException("Connection lost", _lostWith);
        }
    }

    private void UpdateWritable()
    {
        if (_writeCount > HighWater)
        {
            _writable.Clear();
        }
        else if (_writeCount <= LowWater || IsLost)
        {
            _writable.Set();
        }
    }

    private async Task ReceiveLoop()
    {
        try
        {
            while (!IsLost)
            {
                if (_readingPaused)
                {
                    await _readable.WaitAsync();
                    continue;
                }

                _receiving = true;
                int received = await ReceiveAsync(_receiveBuffer);
                _receiving = false;
                if (IsLost)
                {
                    ReleaseSocket();
                    FinishIfDone();
                    return;
                }

                if (received == 0)
                {
                    // Half-closed by the peer: the reader ends; this side may still write, as asyncio's stream protocol.
                    Reader.FeedEof();
                    if (!_writes || _sendDone || EofRequested)
                    {
                        ConnectionLost(null);
                    }

                    return;
                }

                Reader.FeedData(_receiveBuffer.AsSpan(0, received));
            }
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException)
        {
            _receiving = false;
            ConnectionLost(IsClosing ? null : exception, abortive: true);
            FinishIfDone();
        }
    }

    private async Task SendLoop()
    {
        try
        {
            while (!IsLost)
            {
                if (_writeCount == 0)
                {
                    if (IsClosing)
                    {
                        ConnectionLost(null);
                        return;
                    }

                    if (EofRequested && !_eofWritten)
                    {
                        _eofWritten = true;
                        ShutdownSend();
                        if (!_reads || Reader.AtEof || Reader.Exception is not null)
                        {
                            ConnectionLost(null);
                            return;
                        }
                    }

                    _hasData.Clear();
                    await _hasData.WaitAsync();
                    continue;
                }

                _sending = true;
                int sent = await SendAsync(_writeBuffer, _writeCount);
                _sending = false;
                if (IsLost)
                {
                    FinishIfDone();
                    return;
                }

                _writeCount -= sent;
                if (_writeCount > 0)
                {
                    Buffer.BlockCopy(_writeBuffer, sent, _writeBuffer, 0, _writeCount);
                }

                UpdateWritable();
            }
        }
        catch (Exception exception) when (exception is SocketException or IOException or ObjectDisposedException)
        {
            _sending = false;
            _sendDone = true;
            ConnectionLost(IsClosing ? null : exception, abortive: true);
            FinishIfDone();
        }
    }

    /// <summary>The connection ended: end the reader, wake the drainers, release the socket. Once.</summary>
    /// <remarks>
    /// A graceful end with a receive in flight shuts the socket down and lets the receive loop release it when that
    /// receive returns: .NET disposes a TCP socket with a pending operation by disconnecting it, which the peer reads as
    /// a reset, where asyncio's close is a plain FIN.
    /// </remarks>
    private void ConnectionLost(Exception? exception, bool abortive = false)
    {
        if (IsLost)
        {
            return;
        }

        IsLost = true;
        IsClosing = true;
        _lostWith = exception;
        _writeCount = 0;
        if (exception is not null)
        {
            Reader.SetException(exception);
        }
        else
        {
            Reader.FeedEof();
        }

        _readable.Set();
        _hasData.Set();
        _writable.Set();
        if (abortive || exception is not null || !_receiving)
        {
            ReleaseSocket();
            return;
        }

        if (!TryShutdown())
        {
            ReleaseSocket();
        }
    }

    private void ReleaseSocket()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        Release();
        FinishIfDone();
    }

    /// <summary>Receives into <paramref name="buffer"/>: the count, 0 at the end of the stream.</summary>
    protected abstract ValueTask<int> ReceiveAsync(byte[] buffer);

    /// <summary>Sends the first <paramref name="count"/> bytes of <paramref name="buffer"/>: the count taken.</summary>
    protected abstract ValueTask<int> SendAsync(byte[] buffer, int count);

    /// <summary>Ends the writing side: the peer reads the end of the stream.</summary>
    protected abstract void ShutdownSend();

    /// <summary>Ends both sides gracefully while a receive is in flight, which then returns; false if that failed.</summary>
    protected abstract bool TryShutdown();

    /// <summary>Releases what the transport streams over.</summary>
    protected abstract void Release();

    /// <summary>
    /// The connection is over once its socket is released and no receive or send of it is still in flight: a completion
    /// arriving later would be posted to a loop that may have closed by then.
    /// </summary>
    private void FinishIfDone()
    {
        if (_finished || !_released || _receiving || _sending)
        {
            return;
        }

        _finished = true;
        _closed.TrySetResult(true);
        Lost?.Invoke(this);
    }
}
