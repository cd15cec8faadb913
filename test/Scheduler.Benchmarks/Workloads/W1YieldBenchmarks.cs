using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W1 yield: one async method doing <c>await Task.Yield()</c> N times on the loop. Per operation: one yield, that is
/// one continuation posted to the loop and run.
/// </summary>
public class W1YieldBenchmarks : PeerBenchmarks
{
    private const int N = 10_000;

    private readonly Func<Task> _yieldMany;

    public W1YieldBenchmarks()
    {
        _yieldMany = YieldManyAsync;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void Loop() => RunOnLoop(_yieldMany);

    /// <summary>Ours through <c>AsyncIO.Run</c>, which creates, shuts down and closes a loop per call (as Nito's Run).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Loop_AsyncIORun()
    {
        Probe.Reset(Thread.CurrentThread);
        AsyncIO.Run(_yieldMany);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void TunedLoop() => RunOnTuned(_yieldMany);

    [Benchmark(OperationsPerInvoke = N)]
    public void AsyncPump() => RunOnAsyncPump(_yieldMany);

    [Benchmark(OperationsPerInvoke = N)]
    public void NitoAsyncContext() => RunOnNito(_yieldMany);

    [Benchmark(OperationsPerInvoke = N)]
    public void ExclusiveScheduler() => RunOnExclusive(_yieldMany);

    [Benchmark(OperationsPerInvoke = N)]
    public void JtfRun() => RunOnJtf(_yieldMany);

    private async Task YieldManyAsync()
    {
        Probe probe = Probe;
        for (int i = 0; i < N; i++)
        {
            await Task.Yield();
            probe.Hit();
        }

        probe.Verify(N);
    }
}
