using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>A connected stream socket (TCP or Unix) as a <see cref="LoopTransport"/>. Loop thread only.</summary>
internal sealed class SocketTransport(LoopTaskScheduler loop, Socket socket, int limit) : LoopTransport(loop, limit, reads: true, writes: true)
{
    public override Socket Socket => socket;

    public override EndPoint? RemoteEndPoint => IsLost ? null : socket.RemoteEndPoint;

    public override EndPoint? LocalEndPoint => IsLost ? null : socket.LocalEndPoint;

    public override bool CanWriteEof => socket.SocketType == SocketType.Stream;

    protected override ValueTask<int> ReceiveAsync(byte[] buffer) => SocketIO.ReceiveAsync(socket, buffer);

    protected override ValueTask<int> SendAsync(byte[] buffer, int count) => SocketIO.SendAsync(socket, buffer, count);

    protected override void ShutdownSend() => socket.Shutdown(SocketShutdown.Send);

    protected override bool TryShutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    protected override void Release() => socket.Dispose();
}
