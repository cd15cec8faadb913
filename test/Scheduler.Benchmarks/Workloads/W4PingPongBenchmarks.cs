using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;
using Scheduler.Benchmarks.Peers;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W4 ping-pong: two tasks on the loop hand a token back and forth N times. Per operation: one round trip (two
/// hand-offs, two wake-ups). Every peer runs the <see cref="TaskCompletionSource{TResult}"/> version (created with
/// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>, a new one per hand-off, since it cannot be reset);
/// ours also runs it through a pair of <c>LoopQueue&lt;int&gt;(maxSize: 1)</c> and through a pair of <c>LoopEvent</c>s,
/// which are reused. Each reply is checked against the value sent. <c>Floor_Event</c> runs the event version on the
/// least loop and event that resume a method one turn later (<see cref="FloorLoop"/>): the runtime's own share.
/// </summary>
public class W4PingPongBenchmarks : PeerBenchmarks
{
    private const int N = 10_000;

    private readonly Func<Task> _tcsMain;
    private readonly Func<Task> _queueMain;
    private readonly Func<Task> _eventMain;
    private readonly Func<Task> _floorMain;
    private readonly FloorLoop _floor = new();
    private readonly FloorEvent _floorPongTurn;
    private readonly FloorEvent _floorPingTurn;

    private TaskCompletionSource<int> _toPong = NewSource();
    private TaskCompletionSource<int> _toPing = NewSource();

    private LoopQueue<int>? _queueToPong;
    private LoopQueue<int>? _queueToPing;
    private LoopEvent? _pongTurn;
    private LoopEvent? _pingTurn;
    private int _token;

    public W4PingPongBenchmarks()
    {
        _tcsMain = TcsMainAsync;
        _queueMain = QueueMainAsync;
        _eventMain = EventMainAsync;
        _floorMain = FloorMainAsync;
        _floorPongTurn = new FloorEvent(_floor);
        _floorPingTurn = new FloorEvent(_floor);
    }

    protected override void Setup()
    {
        // Created once and bound to our loop at first use; every run reuses them.
        _queueToPong = new LoopQueue<int>(maxSize: 1);
        _queueToPing = new LoopQueue<int>(maxSize: 1);
        _pongTurn = new LoopEvent();
        _pingTurn = new LoopEvent();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void Loop() => RunOnLoop(_tcsMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void Loop_LoopQueue() => RunOnLoop(_queueMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void Loop_LoopEvent() => RunOnLoop(_eventMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void TunedLoop() => RunOnTuned(_tcsMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void AsyncPump() => RunOnAsyncPump(_tcsMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void NitoAsyncContext() => RunOnNito(_tcsMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void ExclusiveScheduler() => RunOnExclusive(_tcsMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void JtfRun() => RunOnJtf(_tcsMain);

    /// <summary>The floor: the event version on <see cref="FloorLoop"/> and <see cref="FloorEvent"/>.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Floor_Event()
    {
        Probe.Reset(System.Threading.Thread.CurrentThread);
        _floor.Run(_floorMain);
    }

    private static TaskCompletionSource<int> NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void CheckReply(int reply, int sent)
    {
        if (reply != sent + 1)
        {
            throw new InvalidOperationException($"Wrong reply: {reply} for {sent}.");
        }
    }

    private async Task TcsMainAsync()
    {
        _toPong = NewSource();
        _toPing = NewSource();
        await Task.WhenAll(TcsPingAsync(), TcsPongAsync());
        Probe.Verify(N);
    }

    private async Task TcsPingAsync()
    {
        for (int i = 0; i < N; i++)
        {
            _toPong.SetResult(i);
            int reply = await _toPing.Task;

            // The receiver replaces its own source before it answers, so the next send finds a fresh one.
            _toPing = NewSource();
            CheckReply(reply, i);
            Probe.Hit();
        }
    }

    private async Task TcsPongAsync()
    {
        for (int i = 0; i < N; i++)
        {
            int value = await _toPong.Task;
            _toPong = NewSource();
            _toPing.SetResult(value + 1);
        }
    }

    private async Task QueueMainAsync()
    {
        await Task.WhenAll(QueuePingAsync(), QueuePongAsync());
        Probe.Verify(N);
    }

    private async Task QueuePingAsync()
    {
        LoopQueue<int> toPong = _queueToPong!;
        LoopQueue<int> toPing = _queueToPing!;
        for (int i = 0; i < N; i++)
        {
            await toPong.PutAsync(i);
            CheckReply(await toPing.GetAsync(), i);
            Probe.Hit();
        }
    }

    private async Task QueuePongAsync()
    {
        LoopQueue<int> toPong = _queueToPong!;
        LoopQueue<int> toPing = _queueToPing!;
        for (int i = 0; i < N; i++)
        {
            int value = await toPong.GetAsync();
            await toPing.PutAsync(value + 1);
        }
    }

    private async Task EventMainAsync()
    {
        _pongTurn!.Clear();
        _pingTurn!.Clear();
        await Task.WhenAll(EventPingAsync(), EventPongAsync());
        Probe.Verify(N);
    }

    private async Task EventPingAsync()
    {
        LoopEvent pongTurn = _pongTurn!;
        LoopEvent pingTurn = _pingTurn!;
        for (int i = 0; i < N; i++)
        {
            _token = i;
            pongTurn.Set();
            await pingTurn.WaitAsync();
            pingTurn.Clear();
            CheckReply(_token, i);
            Probe.Hit();
        }
    }

    private async Task EventPongAsync()
    {
        LoopEvent pongTurn = _pongTurn!;
        LoopEvent pingTurn = _pingTurn!;
        for (int i = 0; i < N; i++)
        {
            await pongTurn.WaitAsync();
            pongTurn.Clear();
            _token++;
            pingTurn.Set();
        }
    }

    private async Task FloorMainAsync()
    {
        _floorPongTurn.Clear();
        _floorPingTurn.Clear();
        await Task.WhenAll(FloorPingAsync(), FloorPongAsync());
        Probe.Verify(N);
    }

    private async Task FloorPingAsync()
    {
        for (int i = 0; i < N; i++)
        {
            _token = i;
            _floorPongTurn.Set();
            await _floorPingTurn.WaitAsync();
            _floorPingTurn.Clear();
            CheckReply(_token, i);
            Probe.Hit();
        }
    }

    private async Task FloorPongAsync()
    {
        for (int i = 0; i < N; i++)
        {
            await _floorPongTurn.WaitAsync();
            _floorPongTurn.Clear();
            _token++;
            _floorPingTurn.Set();
        }
    }
}
