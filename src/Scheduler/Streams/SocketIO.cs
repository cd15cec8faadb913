using System;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The socket calls the streams make, per target framework: on .NET 8 the <see cref="Memory{T}"/> overloads, whose
/// awaitables the runtime pools (nothing allocated per receive or send); on .NET Standard the array-segment ones.
/// </summary>
/// <remarks>Awaited on the loop thread, so each completion comes back through the loop's synchronization context.</remarks>
internal static class SocketIO
{
    public static ValueTask<int> ReceiveAsync(Socket socket, byte[] buffer) =>
#if NET8_0_OR_GREATER
        socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
#else
        new(socket.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None));
#endif

    public static ValueTask<int> SendAsync(Socket socket, byte[] buffer, int count) =>
#if NET8_0_OR_GREATER
        socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
#else
        new(socket.SendAsync(new ArraySegment<byte>(buffer, 0, count), SocketFlags.None));
#endif
}
