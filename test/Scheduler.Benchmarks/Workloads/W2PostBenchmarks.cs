using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;
using Scheduler.Benchmarks.Peers;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W2 post: from the loop thread, N callbacks in bursts of 1000 (<c>CallSoon</c> with state for us, <c>Post</c> for the
/// context peers, a task per callback for the exclusive scheduler); after each burst the poster yields once, behind the
/// burst, and checks that all of it ran. Per operation: one callback queued and run. The two floor rows do the same
/// bursts with a direct delegate call and with a preallocated lock-free ring.
/// </summary>
public class W2PostBenchmarks : PeerBenchmarks
{
    private const int BurstSize = 1000;
    private const int Bursts = 100;
    private const int N = BurstSize * Bursts;

    private readonly Func<Task> _loopBursts;
    private readonly Func<Task> _contextBursts;
    private readonly Func<Task> _exclusiveBursts;
    private readonly CallbackRing _ring = new(1024);

    public W2PostBenchmarks()
    {
        _loopBursts = LoopBurstsAsync;
        _contextBursts = ContextBurstsAsync;
        _exclusiveBursts = ExclusiveBurstsAsync;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void Loop() => RunOnLoop(_loopBursts);

    [Benchmark(OperationsPerInvoke = N)]
    public void TunedLoop() => RunOnTuned(_contextBursts);

    [Benchmark(OperationsPerInvoke = N)]
    public void AsyncPump() => RunOnAsyncPump(_contextBursts);

    [Benchmark(OperationsPerInvoke = N)]
    public void NitoAsyncContext() => RunOnNito(_contextBursts);

    [Benchmark(OperationsPerInvoke = N)]
    public void ExclusiveScheduler() => RunOnExclusive(_exclusiveBursts);

    [Benchmark(OperationsPerInvoke = N)]
    public void JtfRun() => RunOnJtf(_contextBursts);

    /// <summary>Floor: the callback called directly through its delegate; no queue at all.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Floor_DirectCall()
    {
        Probe probe = Probe;
        probe.Reset(Thread.CurrentThread);
        Action<object?> callback = Probe.HitAction;
        for (int i = 0; i < N; i++)
        {
            callback(probe);
        }

        probe.Verify(N);
    }

    /// <summary>Floor: each burst enqueued in a preallocated lock-free ring of (callback, state), then dequeued and invoked.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Floor_Ring()
    {
        Probe probe = Probe;
        probe.Reset(Thread.CurrentThread);
        CallbackRing ring = _ring;
        for (int burst = 1; burst <= Bursts; burst++)
        {
            for (int i = 0; i < BurstSize; i++)
            {
                if (!ring.TryEnqueue(Probe.HitAction, probe))
                {
                    throw new InvalidOperationException("The ring is full.");
                }
            }

            while (ring.TryRunOne())
            {
            }

            probe.Verify(burst * BurstSize);
        }
    }

    private async Task LoopBurstsAsync()
    {
        Probe probe = Probe;
        LoopTaskScheduler loop = EventLoop;
        for (int burst = 1; burst <= Bursts; burst++)
        {
            for (int i = 0; i < BurstSize; i++)
            {
                loop.CallSoon(Probe.HitAction, probe);
            }

            // FIFO: the continuation is queued behind the burst, so the whole burst has run when it resumes.
            await Task.Yield();
            probe.Verify(burst * BurstSize);
        }
    }

    private async Task ContextBurstsAsync()
    {
        Probe probe = Probe;
        SynchronizationContext context = SynchronizationContext.Current ?? throw new InvalidOperationException("The peer installed no synchronization context.");
        for (int burst = 1; burst <= Bursts; burst++)
        {
            for (int i = 0; i < BurstSize; i++)
            {
                context.Post(Probe.HitPost, probe);
            }

            await Task.Yield();
            probe.Verify(burst * BurstSize);
        }
    }

    private async Task ExclusiveBurstsAsync()
    {
        Probe probe = Probe;
        TaskScheduler exclusive = Exclusive;
        for (int burst = 1; burst <= Bursts; burst++)
        {
            for (int i = 0; i < BurstSize; i++)
            {
                _ = Task.Factory.StartNew(Probe.HitAction, probe, CancellationToken.None, TaskCreationOptions.DenyChildAttach, exclusive);
            }

            // With no synchronization context, Task.Yield queues to TaskScheduler.Current: the exclusive one, behind the burst.
            await Task.Yield();
            probe.Verify(burst * BurstSize);
        }
    }
}
