using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A listening server on the loop: asyncio's <c>Server</c>, as <c>AsyncIO.StartServer</c> returns it. Each accepted
/// connection runs the handler as a loop task with its reader and writer; a handler that throws is reported to the
/// loop's exception handler once, its connection is closed, and the server keeps serving.
/// </summary>
/// <remarks>Loop-affine: every member is called on its loop's thread. <c>await using</c> closes it and waits.</remarks>
public sealed class LoopServer : IAsyncDisposable
{
    private readonly Func<LoopStreamReader, LoopStreamWriter, Task> _handler;
    private readonly Socket[] _listeners;
    private readonly int _limit;
    private readonly HashSet<LoopTransport> _clients = [];
    private readonly LoopEvent _stopped = new();
    private readonly List<Task> _acceptLoops = [];
    private TaskCompletionSource<bool>? _noClients;
    private bool _serving;
    private bool _closing;

    internal LoopServer(LoopTaskScheduler loop, Socket[] listeners, Func<LoopStreamReader, LoopStreamWriter, Task> handler, int limit)
    {
        Loop = loop;
        _listeners = listeners;
        _handler = handler;
        _limit = limit;
        EndPoints = listeners.Select(l => l.LocalEndPoint!).ToArray();
    }

    /// <summary>The loop the server runs on.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>The addresses the server listens on (asyncio's <c>server.sockets</c>' names), with the ports chosen for port 0.</summary>
    public IReadOnlyList<EndPoint> EndPoints { get; }

    /// <summary>Whether it accepts connections now. Equivalent to <c>is_serving()</c>.</summary>
    public bool IsServing => _serving && !_closing;

    /// <summary>The connections open now.</summary>
    public int ClientCount => _clients.Count;

    /// <summary>Starts accepting connections, if not yet. Equivalent to <c>start_serving()</c>.</summary>
    /// <exception cref="InvalidOperationException">The server is closed, or the call is off the loop thread.</exception>
    public void StartServing()
    {
        Loop.CheckThread("LoopServer.StartServing");
        if (_closing)
        {
            throw new InvalidOperationException("The server is closed: start a new one.");
        }

        if (_serving)
        {
            return;
        }

        _serving = true;
        Detached.Start(this, static server =>
        {
            foreach (Socket listener in server._listeners)
            {
                server._acceptLoops.Add(server.AcceptLoop(listener));
            }
        });
    }

    /// <summary>
    /// Serves until the server is closed, or until the wait is cancelled, which closes it (and waits for that), as
    /// asyncio's <c>serve_forever()</c>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The wait was cancelled; the server is closed.</exception>
    public async Task ServeForeverAsync(CancellationToken cancellationToken = default)
    {
        StartServing();
        try
        {
            await _stopped.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Close();
            await WaitClosedAsync();
            throw;
        }
    }

    /// <summary>Stops listening; the open connections stay. Idempotent. Equivalent to <c>close()</c>.</summary>
    public void Close()
    {
        Loop.CheckThread("LoopServer.Close");
        if (_closing)
        {
            return;
        }

        _closing = true;
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        _stopped.Set();
    }

    /// <summary>Closes every open connection once its buffer is sent. Equivalent to <c>close_clients()</c> (3.13).</summary>
    public void CloseClients()
    {
        Loop.CheckThread("LoopServer.CloseClients");
        foreach (LoopTransport client in _clients.ToArray())
        {
            client.Close();
        }
    }

    /// <summary>Closes every open connection at once, dropping what is buffered. Equivalent to <c>abort_clients()</c> (3.13).</summary>
    public void AbortClients()
    {
        Loop.CheckThread("LoopServer.AbortClients");
        foreach (LoopTransport client in _clients.ToArray())
        {
            client.Abort();
        }
    }

    /// <summary>Completes once the server is closed and every connection it accepted has ended. Equivalent to <c>wait_closed()</c>.</summary>
    public async Task WaitClosedAsync()
    {
        await _stopped.WaitAsync();

        // The accepts in flight end as the listeners close: wait for that too, so none completes after the loop closed.
        await Task.WhenAll(_acceptLoops);
        if (_clients.Count > 0)
        {
            _noClients ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _noClients.Task;
        }
    }

    /// <summary>Closes the server and waits for its connections to end (<see cref="Close"/>, then <see cref="WaitClosedAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await WaitClosedAsync();
    }

    /// <summary>A name for messages.</summary>
    public override string ToString() =>
        $"<LoopServer {string.Join(", ", EndPoints)} serving={IsServing} clients={_clients.Count}>";

    private async Task AcceptLoop(Socket listener)
    {
        while (!_closing)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                if (!_closing)
                {
                    Loop.CallExceptionHandler(new LoopExceptionContext($"LoopServer {listener.LocalEndPoint} stopped accepting: {exception.Message}") { Exception = exception });
                }

                return;
            }

            if (_closing)
            {
                client.Dispose();
                return;
            }

            Accept(client);
        }
    }

    private void Accept(Socket client)
    {
        if (client.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            client.NoDelay = true;
        }

        var transport = new SocketTransport(Loop, client, _limit);
        _clients.Add(transport);
        transport.Lost += Forget;
        transport.Start();
        var writer = new LoopStreamWriter(transport);
        _ = Loop.CreateTask(() => Handle(transport, writer), name: $"LoopServer client {client.RemoteEndPoint}");
    }

    private async Task Handle(LoopTransport transport, LoopStreamWriter writer)
    {
        try
        {
            await _handler(transport.Reader, writer);
        }
        catch (OperationCanceledException)
        {
            transport.Close();
            throw;
        }
        catch (Exception exception)
        {
            // As asyncio's stream protocol: the failure is reported once, the connection closed, the server serves on.
            Loop.CallExceptionHandler(new LoopExceptionContext("Unhandled exception in the LoopServer's client handler") { Exception = exception });
            transport.Close();
        }
    }

    private void Forget(LoopTransport transport)
    {
        _clients.Remove(transport);
        if (_clients.Count == 0)
        {
            _noClients?.TrySetResult(true);
            _noClients = null;
        }
    }
}
