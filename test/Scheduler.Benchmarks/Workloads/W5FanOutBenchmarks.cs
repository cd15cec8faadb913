using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W5 fan-out: N tasks that each <c>await Task.Yield()</c> once, gathered: <c>AsyncIO.Gather</c> for us,
/// <see cref="Task.WhenAll(Task[])"/> for the peers. Per operation: one task started, yielded, finished and gathered.
/// </summary>
public class W5FanOutBenchmarks : PeerBenchmarks
{
    private const int N = 10_000;

    private readonly Task[] _tasks = new Task[N];
    private readonly Func<Task> _gatherMain;
    private readonly Func<Task> _createTaskMain;
    private readonly Func<Task> _whenAllMain;
    private readonly Func<Task> _yieldOnce;

    public W5FanOutBenchmarks()
    {
        _gatherMain = GatherMainAsync;
        _createTaskMain = CreateTaskMainAsync;
        _whenAllMain = WhenAllMainAsync;
        _yieldOnce = () => YieldOnceAsync(Probe);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void Loop() => RunOnLoop(_gatherMain);

    /// <summary>Ours, asyncio style: each child a loop task (<c>loop.CreateTask</c>: tracked, named, cancellable).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Loop_CreateTask() => RunOnLoop(_createTaskMain);

    /// <summary>Ours running the peers' code (<see cref="Task.WhenAll(Task[])"/>): what the loop itself costs, without <c>Gather</c>.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Loop_WhenAll() => RunOnLoop(_whenAllMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void TunedLoop() => RunOnTuned(_whenAllMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void AsyncPump() => RunOnAsyncPump(_whenAllMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void NitoAsyncContext() => RunOnNito(_whenAllMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void ExclusiveScheduler() => RunOnExclusive(_whenAllMain);

    [Benchmark(OperationsPerInvoke = N)]
    public void JtfRun() => RunOnJtf(_whenAllMain);

    private static async Task YieldOnceAsync(Probe probe)
    {
        await Task.Yield();
        probe.Hit();
    }

    private async Task GatherMainAsync()
    {
        Task[] tasks = _tasks;
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = YieldOnceAsync(Probe);
        }

        await AsyncIO.Gather(tasks);
        Finish();
    }

    private async Task CreateTaskMainAsync()
    {
        Task[] tasks = _tasks;
        LoopTaskScheduler loop = EventLoop;
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = loop.CreateTask(_yieldOnce);
        }

        await AsyncIO.Gather(tasks);
        Finish();
    }

    private async Task WhenAllMainAsync()
    {
        Task[] tasks = _tasks;
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = YieldOnceAsync(Probe);
        }

        await Task.WhenAll(tasks);
        Finish();
    }

    private void Finish()
    {
        Probe.Verify(N);
        Probe.VerifyOnLoop();
        Array.Clear(_tasks);
    }
}
