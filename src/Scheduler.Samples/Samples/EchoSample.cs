using System;
using System.Net;
using System.Text;
using System.Threading.Tasks;

namespace Scheduler.Samples;

/// <summary>
/// asyncio's streams example: a TCP echo server and its client, here on one loop over 127.0.0.1.
/// <code>
/// async def handle_echo(reader, writer):
///     data = await reader.read(100)
///     message = data.decode()
///     addr = writer.get_extra_info('peername')
///     print(f"Received {message!r} from {addr!r}")
///     print(f"Send: {message!r}")
///     writer.write(data)
///     await writer.drain()
///     print("Close the connection")
///     writer.close()
///     await writer.wait_closed()
///
/// async def tcp_echo_client(message):
///     reader, writer = await asyncio.open_connection('127.0.0.1', 8888)
///     print(f'Send: {message!r}')
///     writer.write(message.encode())
///     await writer.drain()
///     data = await reader.read(100)
///     print(f'Received: {data.decode()!r}')
///     print('Close the connection')
///     writer.close()
///     await writer.wait_closed()
/// </code>
/// The server listens on a port the system picks (port 0), so the sample never collides with what runs on the machine.
/// </summary>
internal static class EchoSample
{
    public static void Run() => AsyncIO.Run(MainAsync);

    private static async Task MainAsync()
    {
        await using LoopServer server = await AsyncIO.StartServer(HandleEcho, "127.0.0.1", 0);
        Console.WriteLine($"Serving on {server.EndPoints[0]}");
        await TcpEchoClient("Hello World!", ((IPEndPoint)server.EndPoints[0]).Port);
    }

    private static async Task HandleEcho(LoopStreamReader reader, LoopStreamWriter writer)
    {
        byte[] data = await reader.ReadAsync(100);
        string message = Encoding.UTF8.GetString(data);
        Console.WriteLine($"Received '{message}' from {writer.RemoteEndPoint}");
        Console.WriteLine($"Send: '{message}'");
        writer.Write(data);
        await writer.DrainAsync();
        Console.WriteLine("Close the connection");
        writer.Close();
        await writer.WaitClosedAsync();
    }

    private static async Task TcpEchoClient(string message, int port)
    {
        (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", port);
        Console.WriteLine($"Send: '{message}'");
        writer.Write(Encoding.UTF8.GetBytes(message));
        await writer.DrainAsync();
        byte[] data = await reader.ReadAsync(100);
        Console.WriteLine($"Received: '{Encoding.UTF8.GetString(data)}'");
        Console.WriteLine("Close the connection");
        writer.Close();
        await writer.WaitClosedAsync();
    }
}
