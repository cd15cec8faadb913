using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A reader's wait for incoming data (asyncio's <c>_wait_for_data</c>): one per reader, reused by every read, so a read
/// that has to wait allocates nothing. Woken when data, the end of the stream or an error arrives. Loop thread only.
/// </summary>
internal sealed class DataWaiter(LoopStreamReader reader) : LoopPromise<VoidResult>(reader.Loop), IOutsideWait
{
    private string _operation = "LoopStreamReader.ReadAsync";

    /// <summary>Whether a read waits now.</summary>
    public bool Pending { get; private set; }

    public bool WaitsOnOutside => reader.IsFedFromOutside;

    public override string Describe() => $"{_operation} (waiting for data)";

    public override string Operation => _operation;

    /// <summary>Starts a wait for <paramref name="operation"/>; the awaitable ends when data arrives or the wait is cancelled.</summary>
    public ValueTask Begin(string operation, CancellationToken token)
    {
        _operation = operation;
        Pending = true;
        Watch(token);
        return AsValueTaskVoid();
    }

    /// <summary>Data, the end of the stream or an error arrived: the waiting read looks at the buffer again.</summary>
    public void Wake()
    {
        if (Pending)
        {
            Pending = false;
            Complete(default, null, inline: false);
        }
    }

    protected override void Disarm() => Pending = false;

    protected override void Recycle()
    {
    }
}
