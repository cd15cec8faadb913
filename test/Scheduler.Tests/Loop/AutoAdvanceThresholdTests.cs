using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// An auto-advancing clock does not jump over work the loop cannot see (a Task.Delay, a socket, HttpClient, Task.Run)
/// until that work has been quiet for the threshold; while every task is in a loop-aware wait it jumps at once.
/// </summary>
public class AutoAdvanceThresholdTests
{
    private static LoopOptions AutoAdvancing(TimeSpan? threshold = null) => new()
    {
        TimeProvider = new FakeTimeProvider(),
        AutoAdvance = true,
        AutoAdvanceThreshold = threshold ?? TimeSpan.FromSeconds(5),
        Log = new StringWriter(),
    };

    [Fact]
    public void WaitFor_OnATaskDelay_WaitsForTheDelayInsteadOfJumpingToTheTimeout() => Guard.Run(() =>
    {
        string outcome = AsyncIO.Run(async () =>
        {
            await Task.Delay(200).WaitFor(TimeSpan.FromSeconds(5));
            return "delay finished";
        }, AutoAdvancing());

        outcome.ShouldBe("delay finished");
    });

    [Fact]
    public void WaitFor_OnATaskDelay_ThresholdZero_JumpsAsBefore() => Guard.Run(() =>
        Should.Throw<TimeoutException>(() => AsyncIO.Run(
            () => Task.Delay(TimeSpan.FromSeconds(10)).WaitFor(TimeSpan.FromSeconds(5)),
            AutoAdvancing(TimeSpan.Zero))));

    [Fact]
    public void Timeout_OnTaskRunThatBlocksAThread_WaitsForIt() => Guard.Run(() =>
    {
        int result = AsyncIO.Run(
            () => AsyncIO.Timeout(TimeSpan.FromSeconds(5), _ => Task.Run(() =>
            {
                Thread.Sleep(200);
                return 42;
            })),
            AutoAdvancing());

        result.ShouldBe(42);
    });

    [Fact]
    public void PendingTaskDelay_UnrelatedLongSleep_DoesNotFireFirst() => Guard.Run(() =>
    {
        var order = new List<string>();

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            Task delayed = loop.CreateTask(async () =>
            {
                await Task.Delay(100);
                order.Add("Task.Delay(100 ms)");
            });
            Task sleeping = loop.CreateTask(async () =>
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
                order.Add("AsyncIO.Sleep(1 h)");
            });
            await AsyncIO.Gather(delayed, sleeping);
        }, AutoAdvancing());

        order.ShouldBe(["Task.Delay(100 ms)", "AsyncIO.Sleep(1 h)"]);
    });

    [Fact]
    public void SocketRead_UnderALoopTimeout_GetsTheBytesThePeerSendsLater() => Guard.Run(() =>
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new Thread(() =>
        {
            using TcpClient accepted = listener.AcceptTcpClient();
            Thread.Sleep(150);
            accepted.GetStream().Write("hello"u8);
        })
        { IsBackground = true };
        peer.Start();

        string received = AsyncIO.Run(async () =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            var buffer = new byte[5];
            int read = await client.GetStream().ReadAsync(buffer).AsTask().WaitFor(TimeSpan.FromSeconds(5));
            return Encoding.ASCII.GetString(buffer, 0, read);
        }, AutoAdvancing());

        peer.Join(Guard.UnexpectedTimeout).ShouldBeTrue();
        received.ShouldBe("hello");
    });

    [Fact]
    public void HttpClientGet_UnderALoopTimeout_GetsTheResponse() => Guard.Run(() =>
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = new Thread(() =>
        {
            using TcpClient accepted = listener.AcceptTcpClient();
            NetworkStream stream = accepted.GetStream();
            var request = new byte[4096];
            _ = stream.Read(request);
            Thread.Sleep(150);
            stream.Write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8);
        })
        { IsBackground = true };
        server.Start();

        string body = AsyncIO.Run(async () =>
        {
            using var http = new HttpClient();
            var uri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
            return await AsyncIO.Timeout(TimeSpan.FromSeconds(5), token => http.GetStringAsync(uri, token));
        }, AutoAdvancing());

        server.Join(Guard.UnexpectedTimeout).ShouldBeTrue();
        body.ShouldBe("ok");
    });

    [Fact]
    public void WorkThatNeverEnds_TheClockStillMovesAfterTheThreshold() => Guard.Run(() =>
    {
        string outcome = AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            _ = loop.CreateTask(() => Task.Delay(TimeSpan.FromHours(1)), "never");
            await AsyncIO.Sleep(TimeSpan.FromHours(1));
            return "slept";
        }, new LoopOptions
        {
            TimeProvider = new FakeTimeProvider(),
            AutoAdvance = true,
            AutoAdvanceThreshold = TimeSpan.FromMilliseconds(20),
            CancellationGracePeriod = TimeSpan.Zero,
            Log = new StringWriter(),
        });

        outcome.ShouldBe("slept");
    });

    public static TheoryData<string, bool> Waits => new()
    {
        { "AsyncIO.Sleep", false },
        { "Gather of sleeping loop tasks", false },
        { "a plain await of a sleeping loop task", false },
        { "a TaskGroup of sleeping children", false },
        { "a queue's get", false },
        { "Task.WhenAll of TaskCompletionSources", false },
        { "Task.Delay", true },
        { "WaitFor on Task.Delay", true },
        { "Task.Delay inside a nested async method", true },
        { "Task.Run", true },
        { "WaitAsync with a timeout", true },
    };

    [Theory]
    [MemberData(nameof(Waits))]
    public void AwaitsUnseenWork_TellsLoopWaitsFromWorkElsewhere(string wait, bool unseen) => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(AutoAdvancing(TimeSpan.Zero));
        var release = new CancellationTokenSource();
        var tcs = new TaskCompletionSource<int>();
        var other = new TaskCompletionSource();
        var queue = new LoopQueue<int>();
        bool? answer = null;

        async Task Nested() => await Task.Delay(TimeSpan.FromHours(1), release.Token);

        Task Body(LoopTaskScheduler l) => wait switch
        {
            "AsyncIO.Sleep" => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask(),
            "Gather of sleeping loop tasks" => AsyncIO.Gather(l.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask())),
            "a plain await of a sleeping loop task" => AwaitPlainly(l.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask())),
            "a TaskGroup of sleeping children" => InGroup(),
            "a queue's get" => queue.GetAsync().AsTask(),
            "Task.WhenAll of TaskCompletionSources" => Task.WhenAll(tcs.Task, other.Task),
            "Task.Delay" => Task.Delay(TimeSpan.FromHours(1), release.Token),
            "WaitFor on Task.Delay" => Task.Delay(TimeSpan.FromHours(1), release.Token).WaitFor(TimeSpan.FromHours(1)),
            "Task.Delay inside a nested async method" => Nested(),
            "Task.Run" => Task.Run(() => release.Token.WaitHandle.WaitOne()),
            "WaitAsync with a timeout" => tcs.Task.WaitAsync(TimeSpan.FromHours(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(wait)),
        };

        loop.RunUntilComplete(async () =>
        {
            Task waiting = loop.CreateTask(async () => await Body(loop));
            loop.CallLater(TimeSpan.FromSeconds(1), () => answer = loop.AwaitsUnseenWork());
            await AsyncIO.Sleep(TimeSpan.FromSeconds(2));
            release.Cancel();
            tcs.TrySetResult(1);
            other.TrySetResult();
            waiting.Cancel();
            await AsyncIO.GatherSettled(waiting);
        });

        answer.ShouldBe(unseen, wait);
    });

    private static async Task AwaitPlainly(Task task) => await task;

    private static async Task InGroup()
    {
        await using var tg = new TaskGroup();
        _ = tg.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask());
    }
}
