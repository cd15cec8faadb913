using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W3 cross-thread: while the loop runs, two producer threads post N/2 callbacks each (<c>CallSoonThreadSafe</c> with
/// state for us, <c>Post</c> for the context peers, a task per callback for the exclusive scheduler); the run ends when
/// all N have arrived, each counted on the loop. Per operation: one callback posted from another thread and run.
/// </summary>
/// <remarks>The producer threads are started once and released by each run: no thread creation is measured.</remarks>
public class W3CrossThreadBenchmarks : PeerBenchmarks
{
    private const int N = 50_000;

    private readonly Func<Task> _main;
    private readonly Action<int> _postToLoop;
    private readonly Action<int> _postToContext;
    private readonly Action<int> _postToExclusive;
    private ProducerPair? _producers;

    /// <summary>What the producers of the current run do: one of the three post loops above.</summary>
    private Action<int>? _produce;

    /// <summary>The context the current run's main found installed, for the context peers' producers.</summary>
    private SynchronizationContext? _context;

    public W3CrossThreadBenchmarks()
    {
        _main = MainAsync;
        _postToLoop = PostToLoop;
        _postToContext = PostToContext;
        _postToExclusive = PostToExclusive;
    }

    protected override void Setup() => _producers = new ProducerPair();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _producers?.Dispose();
            _producers = null;
        }

        base.Dispose(disposing);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void Loop()
    {
        _produce = _postToLoop;
        RunOnLoop(_main);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void TunedLoop()
    {
        _produce = _postToContext;
        RunOnTuned(_main);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void AsyncPump()
    {
        _produce = _postToContext;
        RunOnAsyncPump(_main);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void NitoAsyncContext()
    {
        _produce = _postToContext;
        RunOnNito(_main);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void ExclusiveScheduler()
    {
        _produce = _postToExclusive;
        RunOnExclusive(_main);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public void JtfRun()
    {
        _produce = _postToContext;
        RunOnJtf(_main);
    }

    /// <summary>
    /// Runs on the loop: releases the producers, then waits until the last of the N callbacks has counted and both
    /// producers have returned.
    /// </summary>
    private async Task MainAsync()
    {
        Probe.Expect(N);
        _context = SynchronizationContext.Current;
        _producers!.Start(_produce!, N / 2);
        await Probe.Done;
        _producers.WaitUntilFinished();
        Probe.Verify(N);
        _context = null;
    }

    private void PostToLoop(int count)
    {
        LoopTaskScheduler loop = EventLoop;
        Probe probe = Probe;
        for (int i = 0; i < count; i++)
        {
            loop.CallSoonThreadSafe(Probe.HitAction, probe);
        }
    }

    private void PostToContext(int count)
    {
        SynchronizationContext context = _context ?? throw new InvalidOperationException("The peer installed no synchronization context.");
        Probe probe = Probe;
        for (int i = 0; i < count; i++)
        {
            context.Post(Probe.HitPost, probe);
        }
    }

    private void PostToExclusive(int count)
    {
        TaskScheduler exclusive = Exclusive;
        Probe probe = Probe;
        for (int i = 0; i < count; i++)
        {
            _ = Task.Factory.StartNew(Probe.HitAction, probe, CancellationToken.None, TaskCreationOptions.DenyChildAttach, exclusive);
        }
    }
}
