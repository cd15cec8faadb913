using System;
using System.IO;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// One end of a pipe (a child process's stdin, stdout or stderr) as a <see cref="LoopTransport"/>: read-only or
/// write-only. Loop thread only.
/// </summary>
internal sealed class PipeTransport(LoopTaskScheduler loop, Stream stream, int limit, bool reads)
    : LoopTransport(loop, limit, reads, writes: !reads)
{
    /// <summary>Closing a pipe's writing end is its end of stream: the child reads EOF.</summary>
    public override bool CanWriteEof => !IsLost;

    protected override ValueTask<int> ReceiveAsync(byte[] buffer) =>
#if NET8_0_OR_GREATER
        stream.ReadAsync(buffer.AsMemory());
#else
        new(stream.ReadAsync(buffer, 0, buffer.Length));
#endif

    protected override async ValueTask<int> SendAsync(byte[] buffer, int count)
    {
#if NET8_0_OR_GREATER
        await stream.WriteAsync(buffer.AsMemory(0, count));
#else
        await stream.WriteAsync(buffer, 0, count);
#endif
        await stream.FlushAsync();
        return count;
    }

    protected override void ShutdownSend() => stream.Dispose();

    /// <summary>A pipe has no half-close to wake a pending read with: release it at once.</summary>
    protected override bool TryShutdown() => false;

    protected override void Release() => stream.Dispose();
}
