using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;
using static Scheduler.Tests.Ascii;

namespace Scheduler.Tests;

/// <summary>
/// Auto-advancing virtual time with real sockets: a read fed by a socket is work the loop cannot see, so the loop waits
/// up to <see cref="LoopOptions.AutoAdvanceThreshold"/> of real time before it jumps the clock, while idle servers and
/// sleeps elsewhere still run in virtual time.
/// </summary>
public class StreamsVirtualTimeTests
{
    private static LoopOptions VirtualTime() => new() { AutoAdvance = true, TimeProvider = new FakeTimeProvider() };

    [Fact]
    public void ALoopbackRequest_UnderAutoAdvance_DoesNotTimeOutWhileTheAnswerIsOnItsWay() => Guard.Run(() =>
    {
        // The peer is plain .NET on another thread, answering after a real pause: nothing the loop can see.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Thread(() =>
        {
            using Socket client = listener.Accept();
            var buffer = new byte[64];
            int n = client.Receive(buffer);
            Thread.Sleep(50);
            client.Send(buffer.AsSpan(0, n));
            client.Shutdown(SocketShutdown.Both);
        })
        { IsBackground = true };
        peer.Start();

        string answer = AsyncIO.Run(
            async () =>
            {
                (LoopStreamReader reader, LoopStreamWriter writer) = await AsyncIO.OpenConnection("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port);
                writer.Write(Bytes("ping\n"));
                byte[] line = await reader.ReadLineAsync().AsTask().WaitFor(TimeSpan.FromSeconds(30));
                writer.Close();
                await writer.WaitClosedAsync();
                return Text(line);
            },
            VirtualTime());

        answer.ShouldBe("ping\n");
        peer.Join(TimeSpan.FromSeconds(10)).ShouldBeTrue();
    });

    [Fact]
    public void AServerWaitingForConnections_DoesNotHoldBackAnHourOfSleeps() => Guard.Run(() =>
    {
        TimeSpan slept = AsyncIO.Run(
            async () =>
            {
                await using LoopServer server = await AsyncIO.StartServer((_, writer) => Task.CompletedTask, "127.0.0.1", 0);
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                TimeSpan start = loop.Time();
                for (int i = 0; i < 60; i++)
                {
                    await AsyncIO.Sleep(TimeSpan.FromMinutes(1));
                }

                return loop.Time() - start;
            },
            VirtualTime());

        slept.ShouldBe(TimeSpan.FromHours(1));
    });
}
