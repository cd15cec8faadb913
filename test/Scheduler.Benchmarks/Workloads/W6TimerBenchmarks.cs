using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Infrastructure;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W6 timers: 100,000 concurrent sleeps of a random 0–50 ms each (seeded, so every peer sleeps the same delays), each in
/// its own async method, then awaited together with <c>Task.WhenAll</c>: <c>AsyncIO.Sleep</c> for us, <c>Task.Delay</c>
/// for the peers. Per operation: one timer. Real time: each invocation waits the 50 ms of the longest sleep, so the job
/// runs each invocation once per iteration, and the <c>Overhead/timer</c> column subtracts those 50 ms / 100,000 =
/// 500 ns from the mean. Allocated bytes are per timer and include the async method's own box. Ten warm-up
/// invocations: with two, every row was still getting faster through the measured ones (tiered compilation, pools and
/// the GC's budgets settling), by up to 40 %.
/// </summary>
/// <remarks>
/// <para>The workload is the timers, so every peer waits for them the same way. <c>Loop_Gather</c> waits with
/// <c>AsyncIO.Gather</c> instead (asyncio's <c>gather</c>, which hears of each child as it ends): its extra cost per
/// child is a continuation object the runtime allocates for every await registered where a synchronization context is
/// current, and two more cache misses per child; <c>Task.WhenAll</c> registers through an interface internal to the
/// runtime.</para>
/// <para><c>Loop_TimerOnly</c> shows the cost of <c>AsyncIO.Sleep</c> alone: preallocated sleepers await the returned
/// <see cref="ValueTask"/> directly, with no async method, so its bytes are the timer's own. <c>TunedLoop_DelayOnly</c>
/// is the same for <c>Task.Delay</c> on the tuned loop.</para>
/// </remarks>
[RunOncePerIteration]
[WarmupCount(10)]
[IterationCount(15)]
[Config(typeof(TimerOverheadColumn.Config))]
public class W6TimerBenchmarks : PeerBenchmarks
{
    /// <summary>How many sleeps run at once in every invocation.</summary>
    public const int Timers = 100_000;

    /// <summary>The longest delay: every invocation lasts at least this long.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(50);

    private readonly TimeSpan[] _delays = new TimeSpan[Timers];
    private readonly Task[] _tasks = new Task[Timers];
    private readonly Func<Task> _sleepMain;
    private readonly Func<Task> _sleepGatherMain;
    private readonly Func<Task> _sleepersMain;
    private readonly Func<Task> _delayMain;
    private readonly Func<Task> _delayersMain;
    private Sleeper[] _sleepers = [];
    private Sleeper[] _delayers = [];

    public W6TimerBenchmarks()
    {
        Func<TimeSpan, Probe, Task> sleepOnce = SleepOnceAsync;
        Func<TimeSpan, Probe, Task> delayOnce = DelayOnceAsync;
        _sleepMain = () => WaitForAllAsync(sleepOnce, gather: false);
        _sleepGatherMain = () => WaitForAllAsync(sleepOnce, gather: true);
        _sleepersMain = () => StartAllAsync(_sleepers);
        _delayMain = () => WaitForAllAsync(delayOnce, gather: false);
        _delayersMain = () => StartAllAsync(_delayers);

        // Whole milliseconds 0..50, seeded: the same delays for every peer and every run, the longest exactly 50 ms.
#pragma warning disable CA5394 // Random is for a reproducible workload, not for security.
        var random = new Random(20_240_605);
        for (int i = 0; i < Timers; i++)
        {
            _delays[i] = TimeSpan.FromMilliseconds(random.Next(0, (int)MaxDelay.TotalMilliseconds + 1));
        }
#pragma warning restore CA5394

        _delays[Timers - 1] = MaxDelay;
    }

    protected override void Setup()
    {
        _sleepers = new Sleeper[Timers];
        _delayers = new Sleeper[Timers];
        Func<TimeSpan, ValueTask> loopSleep = static delay => AsyncIO.Sleep(delay);
        Func<TimeSpan, ValueTask> taskDelay = static delay => new ValueTask(Task.Delay(delay));
        for (int i = 0; i < Timers; i++)
        {
            _sleepers[i] = new Sleeper(Probe, loopSleep);
            _delayers[i] = new Sleeper(Probe, taskDelay);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Timers)]
    public void Loop() => RunOnLoop(_sleepMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void Loop_Gather() => RunOnLoop(_sleepGatherMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void Loop_TimerOnly() => RunOnLoop(_sleepersMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void TunedLoop() => RunOnTuned(_delayMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void TunedLoop_DelayOnly() => RunOnTuned(_delayersMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void AsyncPump() => RunOnAsyncPump(_delayMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void NitoAsyncContext() => RunOnNito(_delayMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void ExclusiveScheduler() => RunOnExclusive(_delayMain);

    [Benchmark(OperationsPerInvoke = Timers)]
    public void JtfRun() => RunOnJtf(_delayMain);

    private static async Task SleepOnceAsync(TimeSpan delay, Probe probe)
    {
        await AsyncIO.Sleep(delay);
        probe.Hit();
    }

    private static async Task DelayOnceAsync(TimeSpan delay, Probe probe)
    {
        await Task.Delay(delay);
        probe.Hit();
    }

    /// <summary>Starts one async method per timer (<paramref name="sleepOnce"/>), then waits for them all.</summary>
    private async Task WaitForAllAsync(Func<TimeSpan, Probe, Task> sleepOnce, bool gather)
    {
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < Timers; i++)
        {
            _tasks[i] = sleepOnce(_delays[i], Probe);
        }

        await (gather ? AsyncIO.Gather(_tasks) : Task.WhenAll(_tasks));
        Finish(started);
    }

    /// <summary>Starts every preallocated awaiter on its timer, then waits until all of them have woken.</summary>
    private async Task StartAllAsync(Sleeper[] sleepers)
    {
        long started = Stopwatch.GetTimestamp();
        Probe.Expect(Timers);
        for (int i = 0; i < Timers; i++)
        {
            sleepers[i].Start(_delays[i]);
        }

        await Probe.Done;
        Finish(started);
    }

    private void Finish(long started)
    {
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        Probe.Verify(Timers);
        Probe.VerifyOnLoop();
        if (elapsed < MaxDelay)
        {
            throw new InvalidOperationException($"Wrong result: the {MaxDelay.TotalMilliseconds} ms sleep ended after {elapsed.TotalMilliseconds:F1} ms.");
        }

        Array.Clear(_tasks);
    }

    /// <summary>
    /// A reusable awaiter of one timer at a time, <c>AsyncIO.Sleep</c> or <c>Task.Delay</c> (wrapped, allocation-free, in a
    /// <see cref="ValueTask"/>): no async method, no task of its own, no closure.
    /// </summary>
    private sealed class Sleeper
    {
        private readonly Probe _probe;
        private readonly Func<TimeSpan, ValueTask> _sleep;
        private readonly Action _wake;
        private ValueTaskAwaiter _awaiter;

        public Sleeper(Probe probe, Func<TimeSpan, ValueTask> sleep)
        {
            _probe = probe;
            _sleep = sleep;
            _wake = Wake;
        }

        public void Start(TimeSpan delay)
        {
#pragma warning disable CA2012 // The ValueTask is consumed exactly once: awaited through this awaiter, read once in Wake.
            _awaiter = _sleep(delay).GetAwaiter();
#pragma warning restore CA2012
            if (_awaiter.IsCompleted)
            {
                Wake();
            }
            else
            {
                _awaiter.UnsafeOnCompleted(_wake);
            }
        }

        private void Wake()
        {
            ValueTaskAwaiter awaiter = _awaiter;
            _awaiter = default;

            // Reading the result once hands a pooled promise back to the loop.
            awaiter.GetResult();
            _probe.Hit();
        }
    }
}
