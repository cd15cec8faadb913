using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>asyncio's stream functions: <c>open_connection</c>, <c>start_server</c> and their Unix-socket forms.</summary>
public static partial class AsyncIO
{
    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> over TCP and returns the connection's reader and
    /// writer, on the running loop. Equivalent to asyncio's <c>open_connection(host, port, limit=limit)</c>.
    /// </summary>
    /// <exception cref="SocketException">The connection was refused, or the host was not found.</exception>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static async Task<(LoopStreamReader Reader, LoopStreamWriter Writer)> OpenConnection(string host, int port, int limit = LoopStreamReader.DefaultLimit)
    {
        if (host is null)
        {
            throw new ArgumentNullException(nameof(host));
        }

        LoopTaskScheduler loop = GetRunningLoop();
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal) ? [literal] : await Dns.GetHostAddressesAsync(host);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // As asyncio without happy eyeballs: each address in turn, the last failure if none answers.
        Socket? socket = null;
        for (int i = 0; socket is null; i++)
        {
            var attempt = new Socket(addresses[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await attempt.ConnectAsync(new IPEndPoint(addresses[i], port));
                socket = attempt;
            }
            catch (SocketException) when (i < addresses.Length - 1)
            {
                attempt.Dispose();
            }
            catch
            {
                attempt.Dispose();
                throw;
            }
        }

        return Connected(loop, socket, limit);
    }

    /// <summary>
    /// Starts a TCP server on <paramref name="host"/> (null: every interface) and <paramref name="port"/> (0: one the
    /// system picks, read it from <see cref="LoopServer.EndPoints"/>), on the running loop. Each connection runs
    /// <paramref name="handler"/> as a loop task. Equivalent to asyncio's <c>start_server(handler, host, port)</c>.
    /// </summary>
    /// <exception cref="SocketException">The address is in use, or cannot be bound.</exception>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static async Task<LoopServer> StartServer(
        Func<LoopStreamReader, LoopStreamWriter, Task> handler, string? host, int port, int limit = LoopStreamReader.DefaultLimit, int backlog = 100)
    {
        if (handler is null)
        {
            throw new ArgumentNullException(nameof(handler));
        }

        LoopTaskScheduler loop = GetRunningLoop();
        IPAddress[] addresses = host is null
            ? [IPAddress.IPv6Any, IPAddress.Any]
            : IPAddress.TryParse(host, out IPAddress? literal) ? [literal] : await Dns.GetHostAddressesAsync(host);
        var listeners = new Socket[addresses.Length];
        int bound = 0;
        try
        {
            foreach (IPAddress address in addresses)
            {
                var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                listeners[bound++] = listener;
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // Each family gets its own socket, as asyncio binds one per address.
                    listener.DualMode = false;
                }

                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(new IPEndPoint(address, port));
                listener.Listen(backlog);
            }
        }
        catch
        {
            for (int i = 0; i < bound; i++)
            {
                listeners[i].Dispose();
            }

            throw;
        }

        var server = new LoopServer(loop, listeners, handler, limit);
        server.StartServing();
        return server;
    }

    /// <summary>
    /// Connects to the Unix domain socket at <paramref name="path"/> and returns its reader and writer, on the running
    /// loop. Equivalent to asyncio's <c>open_unix_connection(path)</c>.
    /// </summary>
    /// <exception cref="SocketException">Nothing listens at the path.</exception>
    /// <exception cref="PlatformNotSupportedException">On the .NET Standard 2.0 build, which has no Unix domain sockets.</exception>
    public static async Task<(LoopStreamReader Reader, LoopStreamWriter Writer)> OpenUnixConnection(string path, int limit = LoopStreamReader.DefaultLimit)
    {
        EndPoint endPoint = UnixEndPoint(path);
        LoopTaskScheduler loop = GetRunningLoop();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return Connected(loop, socket, limit);
    }

    /// <summary>
    /// Starts a server on the Unix domain socket at <paramref name="path"/>, on the running loop; each connection runs
    /// <paramref name="handler"/> as a loop task. Equivalent to asyncio's <c>start_unix_server(handler, path)</c>.
    /// </summary>
    /// <exception cref="SocketException">The path is in use.</exception>
    /// <exception cref="PlatformNotSupportedException">On the .NET Standard 2.0 build, which has no Unix domain sockets.</exception>
    public static Task<LoopServer> StartUnixServer(Func<LoopStreamReader, LoopStreamWriter, Task> handler, string path, int limit = LoopStreamReader.DefaultLimit, int backlog = 100)
    {
        if (handler is null)
        {
            throw new ArgumentNullException(nameof(handler));
        }

        EndPoint endPoint = UnixEndPoint(path);
        LoopTaskScheduler loop = GetRunningLoop();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new LoopServer(loop, [listener], handler, limit);
        server.StartServing();
        return Task.FromResult(server);
    }

    private static (LoopStreamReader Reader, LoopStreamWriter Writer) Connected(LoopTaskScheduler loop, Socket socket, int limit)
    {
        var transport = new SocketTransport(loop, socket, limit);
        transport.Start();
        return (transport.Reader, new LoopStreamWriter(transport));
    }

    private static EndPoint UnixEndPoint(string path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

#if NET8_0_OR_GREATER
        return new UnixDomainSocketEndPoint(path);
#else
        throw new PlatformNotSupportedException("Unix domain sockets need the library's .NET 8 (or later) build; this is its .NET Standard 2.0 build.");
#endif
    }
}
