using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.VisualStudio.Threading;
using Nito.AsyncEx;
using Scheduler.Benchmarks.Infrastructure;
using Scheduler.Benchmarks.Peers;

namespace Scheduler.Benchmarks.Latency;

/// <summary>A peer running idle on a thread of its own, which another thread posts to.</summary>
internal abstract class LatencyTarget : IDisposable
{
    protected LatencyTarget(string name)
    {
        Name = name;
    }

    /// <summary>The row's name.</summary>
    public string Name { get; }

    /// <summary>Starts the loop; resets <paramref name="probe"/> to where it runs its work. Returns once it is idle.</summary>
    public abstract void Start(Probe probe);

    /// <summary>Posts <paramref name="callback"/>(<paramref name="state"/>) from the calling thread, as the peer's users would.</summary>
    public abstract void Post(Action<object?> callback, SendOrPostCallback post, object state);

    /// <summary>Stops the loop and waits for its thread.</summary>
    public abstract void Dispose();

    /// <summary>The peers, in the order of the benchmark tables.</summary>
    public static LatencyTarget[] All() =>
    [
        new LoopTarget(),
        new ContextThreadTarget("TunedLoop", main => new TunedLoop().Run(main)),
        new ContextThreadTarget("AsyncPump", AsyncPump.Run),
        new ContextThreadTarget("NitoAsyncContext", AsyncContext.Run),
        new ExclusiveTarget(),
        new ContextThreadTarget("JtfRun", main =>
        {
            // Created on this fresh thread, which has no synchronization context: it becomes the context's main thread.
            using var context = new JoinableTaskContext();
#pragma warning disable VSTHRD102 // Blocking this dedicated thread on the loop is the point.
            context.Factory.Run(main);
#pragma warning restore VSTHRD102
        }),
    ];

    /// <summary>Ours: a <see cref="LoopThread"/>, posted to with <c>CallSoonThreadSafe</c>.</summary>
    private sealed class LoopTarget() : LatencyTarget("Loop")
    {
        private LoopThread? _thread;

        public override void Start(Probe probe)
        {
            _thread = new LoopThread(new LoopOptions { Name = "W7 loop" });

            // Returns once the loop has run a callback: it is running, and idle again right after. The callback tells the
            // probe which thread the loop runs on.
            using var started = new ManualResetEventSlim();
            _thread.Loop.CallSoonThreadSafe(() =>
            {
                probe.Reset(Thread.CurrentThread);
                started.Set();
            });
            started.Wait();
        }

        public override void Post(Action<object?> callback, SendOrPostCallback post, object state) =>
            _thread!.Loop.CallSoonThreadSafe(callback, state);

        public override void Dispose() => _thread?.Dispose();
    }

    /// <summary>A peer that runs an async main on the calling thread: run on a thread of its own, posted to through its context.</summary>
    private sealed class ContextThreadTarget(string name, Action<Func<Task>> run) : LatencyTarget(name)
    {
        private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _started = new();
        private Thread? _thread;
        private SynchronizationContext? _context;
        private Exception? _failure;

        public override void Start(Probe probe)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"W7 {Name}" };
            _thread.Start();
            _started.Wait();
            if (_context is null)
            {
                throw new InvalidOperationException($"{Name} did not start: {_failure}");
            }

            probe.Reset(_thread);
        }

        public override void Post(Action<object?> callback, SendOrPostCallback post, object state) => _context!.Post(post, state);

        public override void Dispose()
        {
            _stop.TrySetResult();
            _thread?.Join();
            _started.Dispose();
            if (_failure is not null)
            {
                throw new InvalidOperationException($"{Name} failed.", _failure);
            }
        }

        private void Run()
        {
            try
            {
                run(MainAsync);
            }
            catch (Exception exception)
            {
                _failure = exception;
                _started.Set();
            }
        }

        private async Task MainAsync()
        {
            _context = SynchronizationContext.Current;
            _started.Set();
            await _stop.Task;
        }
    }

    /// <summary>The exclusive scheduler of a <see cref="ConcurrentExclusiveSchedulerPair"/>: a task per callback.</summary>
    private sealed class ExclusiveTarget() : LatencyTarget("ExclusiveScheduler")
    {
        private readonly ConcurrentExclusiveSchedulerPair _pair = new();

        public override void Start(Probe probe) => probe.Reset(_pair.ExclusiveScheduler);

        public override void Post(Action<object?> callback, SendOrPostCallback post, object state) =>
            _ = Task.Factory.StartNew(callback, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _pair.ExclusiveScheduler);

        public override void Dispose()
        {
            _pair.Complete();
            _pair.Completion.GetAwaiter().GetResult();
        }
    }
}
