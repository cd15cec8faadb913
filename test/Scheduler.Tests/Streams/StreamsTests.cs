using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.Ascii;

namespace Scheduler.Tests;

/// <summary>Streams over real sockets on loopback (127.0.0.1 and a Unix socket), each test bounded by the guard.</summary>
public class StreamsTests
{
    private static int PortOf(LoopServer server) => ((IPEndPoint)server.EndPoints[0]).Port;

    /// <summary>asyncio's docs' echo handler: read a line, write it back, close.</summary>
    private static async Task EchoLines(LoopStreamReader reader, LoopStreamWriter writer)
    {
        await foreach (byte[] line in reader)
        {
            writer.Write(line);
            await writer.DrainAsync();
        }

        writer.Close();
        await writer.WaitClosedAsync();
    }

    [Fact]
    public void EchoOverTcp_TheLineComesBack_AndEverythingCloses() => Guard.Run(() =>
    {
        var log = new StringWriter();
        string echoed = AsyncIO.Run(async () =>
        {
            LoopServer server = await AsyncIO.StartServer(EchoLines, "127.0.0.1", 0);
            server.IsServing.ShouldBeTrue();
            (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            writer.RemoteEndPoint.ShouldBe(server.EndPoints[0]);

            writer.Write(Bytes("hello\n"));
            await writer.DrainAsync();
            string line = Text(await reader.ReadLineAsync());

            writer.Close();
            await writer.WaitClosedAsync();
            await server.DisposeAsync();
            server.IsServing.ShouldBeFalse();
            server.ClientCount.ShouldBe(0);
            return line;
        }, new LoopOptions { Log = log });

        echoed.ShouldBe("hello\n");

        // Nothing of the server or the connections was still in flight when the loop closed.
        log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void EchoOverAUnixSocket_TheLineComesBack() => Guard.Run(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"scheduler-{Guid.NewGuid():N}.sock");
        try
        {
            string echoed = AsyncIO.Run(async () =>
            {
                await using LoopServer server = await AsyncIO.StartUnixServer(EchoLines, path);
                (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenUnixConnection(path);
                writer.Write(Bytes("over unix\n"));
                string line = Text(await reader.ReadLineAsync());
                writer.Close();
                await writer.WaitClosedAsync();
                return line;
            });

            echoed.ShouldBe("over unix\n");
        }
        finally
        {
            File.Delete(path);
        }
    });

    [Fact]
    public void OpenConnection_Refused_ThrowsSocketExceptionFromTheAwaitingCall() => Guard.Run(() =>
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var refused = Should.Throw<SocketException>(() => AsyncIO.Run(() => AsyncIO.OpenConnection("127.0.0.1", port)));
        refused.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
    });

    [Fact]
    public void AHandlerThatThrows_IsReportedOnce_AndTheServerKeepsServing() => Guard.Run(() =>
    {
        var reported = new List<LoopExceptionContext>();
        string answer = AsyncIO.Run(async () =>
        {
            AsyncIO.GetRunningLoop().SetExceptionHandler((_, context) => reported.Add(context));
            int connections = 0;
            await using LoopServer server = await AsyncIO.StartServer(
                async (reader, writer) =>
                {
                    if (++connections == 1)
                    {
                        throw new InvalidDataException("first client");
                    }

                    writer.Write(await reader.ReadLineAsync());
                    writer.Close();
                },
                "127.0.0.1",
                0);

            (LoopStreamReader first, LoopStreamWriter firstWriter) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            (await first.ReadAsync()).ShouldBeEmpty();
            firstWriter.Close();

            (LoopStreamReader second, LoopStreamWriter secondWriter) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            secondWriter.Write(Bytes("still serving\n"));
            string line = Text(await second.ReadLineAsync());
            secondWriter.Close();
            await secondWriter.WaitClosedAsync();
            return line;
        });

        answer.ShouldBe("still serving\n");
        reported.Count.ShouldBe(1);
        reported[0].Exception.ShouldBeOfType<InvalidDataException>().Message.ShouldBe("first client");
    });

    [Fact]
    public void Cancel_ATaskBlockedReadingASocket_EndsTheRead_AndTheLaterDataIsRead() => Guard.Run(() =>
    {
        (bool cancelled, string line) = AsyncIO.Run(async () =>
        {
            var send = new LoopEvent();
            await using LoopServer server = await AsyncIO.StartServer(
                async (reader, writer) =>
                {
                    await send.WaitAsync();
                    writer.Write(Bytes("late\n"));
                    await reader.ReadAsync();
                    writer.Close();
                },
                "127.0.0.1",
                0);
            (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));

            Task<byte[]> blocked = AsyncIO.GetRunningLoop().CreateTask(() => reader.ReadLineAsync().AsTask());
            await AsyncIO.Sleep(TimeSpan.Zero);
            blocked.Cancel();
            bool wasCancelled = false;
            try
            {
                await blocked;
            }
            catch (OperationCanceledException)
            {
                wasCancelled = true;
            }

            send.Set();
            string later = Text(await reader.ReadLineAsync());
            writer.Close();
            await writer.WaitClosedAsync();
            return (wasCancelled, later);
        });

        cancelled.ShouldBeTrue();
        line.ShouldBe("late\n");
    });

    [Fact]
    public void Cancel_TheTaskThatOpenedTheConnection_EndsItsRead_AndTheConnectionStillWorks() => Guard.Run(() =>
    {
        string line = AsyncIO.Run(async () =>
        {
            await using LoopServer server = await AsyncIO.StartServer(EchoLines, "127.0.0.1", 0);
            LoopStreamReader? reader = null;
            LoopStreamWriter? writer = null;
            var opened = new LoopEvent();
            Task reading = AsyncIO.GetRunningLoop().CreateTask(async () =>
            {
                (reader, writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
                opened.Set();
                await reader.ReadLineAsync();
            });
            await opened.WaitAsync();
            await AsyncIO.Sleep(TimeSpan.Zero);

            // The task's wait is its read, not one of the transport's own loops it started.
            reading.Cancel().ShouldBeTrue();
            await Should.ThrowAsync<OperationCanceledException>(reading);

            writer!.Write(Bytes("after\n"));
            string echoed = Text(await reader!.ReadLineAsync());
            writer.Close();
            await writer.WaitClosedAsync();
            return echoed;
        });

        line.ShouldBe("after\n");
    });

    [Fact]
    public void DrainAsync_HoldsAWriterWhosePeerDoesNotRead_UntilThePeerReads() => Guard.Run(() =>
    {
        // Small socket buffers (which turn off the kernel's autotuning) hold far less than this while the peer does not read.
        const int Size = 8 * 1024 * 1024;
        (bool heldWhileUnread, int received) = AsyncIO.Run(async () =>
        {
            var startReading = new LoopEvent();
            int got = 0;
            await using LoopServer server = await AsyncIO.StartServer(
                async (reader, writer) =>
                {
                    writer.Socket!.ReceiveBufferSize = 64 * 1024;
                    await startReading.WaitAsync();
                    got = (await reader.ReadExactlyAsync(Size)).Length;
                    writer.Close();
                },
                "127.0.0.1",
                0);
            (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            writer.Socket!.SendBufferSize = 64 * 1024;

            writer.Write(new byte[Size]);
            Task drain = writer.DrainAsync().AsTask();
            for (int i = 0; i < 20; i++)
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(5));
            }

            bool held = !drain.IsCompleted && writer.WriteBufferSize > 64 * 1024;
            startReading.Set();
            await drain;
            await reader.ReadAsync();
            writer.Close();
            await writer.WaitClosedAsync();
            return (held, got);
        });

        heldWhileUnread.ShouldBeTrue();
        received.ShouldBe(Size);
    });

    [Fact]
    public void WriteEof_ThePeerReadsTheEnd_AndCanStillAnswer() => Guard.Run(() =>
    {
        string answer = AsyncIO.Run(async () =>
        {
            await using LoopServer server = await AsyncIO.StartServer(
                async (reader, writer) =>
                {
                    byte[] all = await reader.ReadAsync();
                    writer.Write(Bytes($"got {all.Length} bytes\n"));
                    writer.Close();
                },
                "127.0.0.1",
                0);
            (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            writer.CanWriteEof.ShouldBeTrue();
            writer.Write(Bytes("12345"));
            writer.WriteEof();
            Should.Throw<InvalidOperationException>(() => writer.Write(Bytes("more")));

            string line = Text(await reader.ReadLineAsync());
            (await reader.ReadAsync()).ShouldBeEmpty();
            await writer.WaitClosedAsync();
            return line;
        });

        answer.ShouldBe("got 5 bytes\n");
    });

    [Fact]
    public void CloseClients_EndsTheOpenConnections_WhichReadTheEnd() => Guard.Run(() =>
    {
        int clientsAfter = AsyncIO.Run(async () =>
        {
            var connected = new LoopEvent();
            LoopServer server = await AsyncIO.StartServer(
                async (reader, writer) =>
                {
                    connected.Set();
                    await reader.ReadAsync();
                },
                "127.0.0.1",
                0);
            (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", PortOf(server));
            await connected.WaitAsync();
            server.ClientCount.ShouldBe(1);

            server.Close();
            server.CloseClients();
            (await reader.ReadAsync()).ShouldBeEmpty();
            reader.AtEof.ShouldBeTrue();
            await server.WaitClosedAsync();
            writer.Close();
            await writer.WaitClosedAsync();
            return server.ClientCount;
        });

        clientsAfter.ShouldBe(0);
    });
}
