using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A reader's wait to read into the caller's buffer (<see cref="LoopStreamReader.ReadAsync(Memory{byte}, CancellationToken)"/>
/// when nothing is buffered): one per reader, reused, so a read that waits allocates nothing, where an async method's box
/// would make the runtime allocate a continuation for the loop's synchronization context on every wait. Loop thread only.
/// </summary>
/// <remarks>
/// The bytes are copied when they arrive; a wait cancelled after that, before the reading code resumed, puts them back
/// at the front of the reader's buffer, so a cancelled read takes nothing.
/// </remarks>
internal sealed class ReadIntoWaiter(LoopStreamReader reader) : LoopPromise<int>(reader.Loop), IOutsideWait
{
    private Memory<byte> _destination;

    /// <summary>Whether a read waits now.</summary>
    public bool Pending { get; private set; }

    public bool WaitsOnOutside => reader.IsFedFromOutside;

    public override string Describe() => "LoopStreamReader.ReadAsync (waiting for data)";

    public override string Operation => "LoopStreamReader.ReadAsync";

    /// <summary>Starts a wait to fill <paramref name="destination"/> with what arrives next.</summary>
    public ValueTask<int> Begin(Memory<byte> destination, CancellationToken token)
    {
        _destination = destination;
        Pending = true;
        Watch(token);
        return AsValueTask();
    }

    /// <summary>Data or the end of the stream arrived: hands over what is buffered (nothing at the end).</summary>
    public void Wake()
    {
        if (Pending)
        {
            Pending = false;
            int copied = reader.CopyBuffered(_destination.Span);
            Complete(copied, null, inline: false);
        }
    }

    /// <summary>The stream failed: the read throws <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        if (Pending)
        {
            Pending = false;
            Complete(0, error, inline: false);
        }
    }

    protected override void Disarm() => Pending = false;

    protected override Exception? OnResume(int result, OperationCanceledException? cancelled)
    {
        if (cancelled is not null && result > 0)
        {
            reader.Unread(_destination.Span.Slice(0, result));
        }

        return cancelled;
    }

    protected override void Recycle() => _destination = default;
}
