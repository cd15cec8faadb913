using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.VisualStudio.Threading;
using Nito.AsyncEx;
using Scheduler.Benchmarks.Infrastructure;
using Scheduler.Benchmarks.Peers;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// The peers every workload runs on, side by side in one process: our <see cref="LoopTaskScheduler"/>, the tuned
/// hand-written loop, the classic AsyncPump, Nito.AsyncEx's <c>AsyncContext.Run</c>,
/// <see cref="ConcurrentExclusiveSchedulerPair.ExclusiveScheduler"/> and vs-threading's <c>JoinableTaskFactory.Run</c>.
/// </summary>
/// <remarks>
/// <para>Setup stays out of the measured region where the peer allows it: our loop, the tuned loop, the scheduler pair
/// and the <see cref="JoinableTaskContext"/> are created once, in <see cref="GlobalSetup"/>, and reused by every
/// invocation. Three peers force a per-invocation setup, which their rows include: <c>AsyncContext.Run</c> builds a new
/// <c>AsyncContext</c>, <c>JoinableTaskFactory.Run</c> a new <c>JoinableTask</c>, and AsyncPump a new context and
/// <c>BlockingCollection</c> on every call. Each workload does enough operations per invocation that this is small.</para>
/// <para>Each run resets the <see cref="Probe"/> to where the peer runs its work: the benchmark thread for the
/// single-threaded loops, the exclusive scheduler for the pool-backed pair.</para>
/// </remarks>
[MemoryDiagnoser]
public abstract class PeerBenchmarks : IDisposable
{
    private LoopTaskScheduler? _loop;
    private TunedLoop? _tuned;
    private ConcurrentExclusiveSchedulerPair? _pair;
    private JoinableTaskContext? _jtfContext;

    /// <summary>What the workload's steps touch and the benchmark checks.</summary>
    private protected Probe Probe { get; } = new();

    /// <summary>Our loop, run on the benchmark thread by <see cref="RunOnLoop"/>.</summary>
    private protected LoopTaskScheduler EventLoop => _loop ?? throw NotSetUp();

    /// <summary>The tuned hand-written loop, run on the benchmark thread by <see cref="RunOnTuned"/>.</summary>
    private protected TunedLoop Tuned => _tuned ?? throw NotSetUp();

    /// <summary>The exclusive scheduler of the pair: a pool-backed loop with no thread of its own.</summary>
    private protected TaskScheduler Exclusive => _pair?.ExclusiveScheduler ?? throw NotSetUp();

    [GlobalSetup]
    public void GlobalSetup()
    {
        _loop = new LoopTaskScheduler();
        _tuned = new TunedLoop();
        _pair = new ConcurrentExclusiveSchedulerPair();

        // Created on a thread with no synchronization context, as a console or service host would: this thread becomes
        // its main thread, the one JoinableTaskFactory.Run pumps.
        if (SynchronizationContext.Current is not null)
        {
            throw new InvalidOperationException("The JoinableTaskContext must be created on a thread with no synchronization context.");
        }

        _jtfContext = new JoinableTaskContext();
        Setup();
    }

    /// <summary>Closes the peers; BenchmarkDotNet calls it as the global cleanup. Idempotent.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The workload's own setup, after the peers exist.</summary>
    protected virtual void Setup()
    {
    }

    /// <summary>Closes the peers; a workload that owns more overrides it and calls the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _loop?.Close();
            _pair?.Complete();
            _jtfContext?.Dispose();
            _jtfContext = null;
        }
    }

    /// <summary>Ours: <c>loop.RunUntilComplete(main)</c> on the benchmark thread (the loop object is reused).</summary>
    private protected void RunOnLoop(Func<Task> main)
    {
        Probe.Reset(Thread.CurrentThread);
        EventLoop.RunUntilComplete(main);
    }

    /// <summary>The tuned loop: runs <paramref name="main"/> on the benchmark thread (the loop object is reused).</summary>
    private protected void RunOnTuned(Func<Task> main)
    {
        Probe.Reset(Thread.CurrentThread);
        Tuned.Run(main);
    }

    /// <summary>The classic AsyncPump: a new context and collection per call.</summary>
    private protected void RunOnAsyncPump(Func<Task> main)
    {
        Probe.Reset(Thread.CurrentThread);
        AsyncPump.Run(main);
    }

    /// <summary>Nito.AsyncEx: <c>AsyncContext.Run</c> builds a new context per call, by design.</summary>
    private protected void RunOnNito(Func<Task> main)
    {
        Probe.Reset(Thread.CurrentThread);
        AsyncContext.Run(main);
    }

    /// <summary>The exclusive scheduler: <paramref name="main"/> starts on it; the benchmark thread waits.</summary>
    private protected void RunOnExclusive(Func<Task> main)
    {
        TaskScheduler exclusive = Exclusive;
        Probe.Reset(exclusive);
        Task.Factory.StartNew(main, CancellationToken.None, TaskCreationOptions.DenyChildAttach, exclusive).Unwrap().GetAwaiter().GetResult();
    }

    /// <summary>vs-threading: <c>JoinableTaskFactory.Run</c> on the context's main thread; a new joinable task per call.</summary>
    private protected void RunOnJtf(Func<Task> main)
    {
        JoinableTaskContext context = _jtfContext ?? throw NotSetUp();
        if (context.MainThread != Thread.CurrentThread)
        {
            throw new InvalidOperationException("JoinableTaskFactory.Run must run on the thread that created the JoinableTaskContext (BenchmarkDotNet ran the setup on another thread).");
        }

        Probe.Reset(Thread.CurrentThread);
#pragma warning disable VSTHRD102 // Run synchronously: blocking the main thread on the async work is the peer's whole use.
        context.Factory.Run(main);
#pragma warning restore VSTHRD102
    }

    private static InvalidOperationException NotSetUp() => new("GlobalSetup has not run.");
}
