using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// An asyncio event loop that is also a <see cref="TaskScheduler"/>: one thread runs callbacks, timers,
/// queued tasks and <c>await</c> continuations, one at a time, in FIFO order.
/// <para>Equivalent to asyncio's event loop (<c>asyncio.new_event_loop()</c>).</para>
/// </summary>
/// <remarks>
/// <para>Members are loop-affine: call them on the loop thread. Members whose names end in <c>ThreadSafe</c>,
/// and <see cref="Stop"/>, <see cref="Dispose"/> and the synchronization context's <c>Post</c>, may be called
/// from any thread. While the loop is not running, the thread that owns it may call any member.</para>
/// <para>The loop creates no thread: it runs on whichever thread calls <see cref="RunForever"/> or
/// <c>RunUntilComplete</c>. Each iteration moves work posted from other threads and due timers into the ready
/// queue, then runs exactly the callbacks that were ready when it began; callbacks scheduled meanwhile run in
/// the next iteration. An idle loop blocks until its next timer or a post from another thread.</para>
/// </remarks>
public sealed partial class LoopTaskScheduler : TaskScheduler, IDisposable
{
    private static readonly TimerCallback s_wake = static state => ((LoopTaskScheduler)state!)._inbox.Wake();

    private readonly ReadyQueue _ready = new();
    private readonly TimerHeap _timers = new();
    private readonly Inbox _inbox = new();
    private readonly TimeProvider _timeProvider;
    private readonly bool _systemClock;
    private readonly bool _autoAdvance;

    /// <summary>See <see cref="LoopOptions.AutoAdvanceThreshold"/>.</summary>
    private readonly TimeSpan _autoAdvanceThreshold;

    /// <summary>Ticks added to the provider's clock by <see cref="LoopOptions.AutoAdvance"/>.</summary>
    private long _clockOffset;

    /// <summary>The managed id of the thread running the loop; 0 while it does not run.</summary>
    private volatile int _threadId;

    private volatile bool _stopping;

    /// <summary>True while the loop runs items of the inbox's batch, which have no place in the ready queue.</summary>
    private bool _runningTaken;

    /// <summary>Makes the start of a run and <see cref="Close"/> exclusive: a loop is never closed under a running run.</summary>
    private readonly object _lifecycle = new();
    private volatile bool _closed;

    /// <summary>With a clock other than the system's, the loop sleeps on a timer of that clock's provider.</summary>
    private ITimer? _wakeTimer;

    /// <summary>Creates a loop. It starts no thread: it runs on the thread that calls a <c>Run</c> method.</summary>
    /// <param name="options">The loop's settings; null for the defaults.</param>
    /// <remarks>Equivalent to asyncio's <c>asyncio.new_event_loop()</c>.</remarks>
    public LoopTaskScheduler(LoopOptions? options = null)
    {
        options ??= s_defaultOptions;
        _timeProvider = options.TimeProvider ?? throw new ArgumentException("LoopOptions.TimeProvider must not be null.", nameof(options));
        _systemClock = ReferenceEquals(_timeProvider, TimeProvider.System);
        _autoAdvance = options.AutoAdvance;
        Debug = options.Debug;
        SlowCallbackDuration = options.SlowCallbackDuration;
        Log = TextWriter.Synchronized(options.Log ?? Console.Error);
        Name = options.Name;
        CancellationGracePeriod = options.CancellationGracePeriod;
        _autoAdvanceThreshold = options.AutoAdvanceThreshold;
        TimeSpan? stall = options.StallThreshold ?? (options.Debug ? LoopOptions.DefaultStallThreshold : null);
        if (stall is { } threshold && threshold > TimeSpan.Zero)
        {
            _watchdog = new StallWatchdog(this, threshold);
        }

        SynchronizationContext = new LoopSynchronizationContext(this, notifyWaits: _watchdog is not null);
        LoopMetrics.Register(this);
    }

    private static readonly LoopOptions s_defaultOptions = new();

    /// <summary>How long the loop's cancel-then-wait steps wait for a cancelled task (<see cref="LoopOptions.CancellationGracePeriod"/>).</summary>
    internal TimeSpan CancellationGracePeriod { get; }

    /// <summary>The loop's name from <see cref="LoopOptions.Name"/>, or null.</summary>
    public string? Name { get; }

    /// <summary>The loop's synchronization context: one instance per loop, current on the loop thread while it runs.</summary>
    public LoopSynchronizationContext SynchronizationContext { get; }

    /// <summary>Where the default exception handler and debug warnings write (thread-safe).</summary>
    internal TextWriter Log { get; }

    /// <summary>Debug mode: slow callbacks are logged. Equivalent to asyncio's <c>loop.set_debug</c>/<c>get_debug</c>.</summary>
    public bool Debug { get; set; }

    /// <summary>In debug mode, a callback running longer than this is logged (default 100 ms).
    /// Equivalent to asyncio's <c>loop.slow_callback_duration</c>.</summary>
    public TimeSpan SlowCallbackDuration { get; set; }

    /// <summary>Whether the loop is running. Safe to read from any thread. Equivalent to asyncio's <c>loop.is_running()</c>.</summary>
    public bool IsRunning => _threadId != 0;

    /// <summary>Whether the loop was closed. Safe to read from any thread. Equivalent to asyncio's <c>loop.is_closed()</c>.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// The loop's monotonic clock, read from <see cref="LoopOptions.TimeProvider"/> (plus any auto-advance).
    /// Timers are scheduled on it. Equivalent to asyncio's <c>loop.time()</c>.
    /// </summary>
    public TimeSpan Time() => new(NowTicks());

    /// <summary>
    /// Runs the loop on the calling thread until <see cref="Stop"/> is called.
    /// If <see cref="Stop"/> was called before, runs one iteration and returns.
    /// <para>Equivalent to asyncio's <c>loop.run_forever()</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, already running, or another loop runs on this thread.</exception>
    public void RunForever()
    {
        SynchronizationContext? previous = EnterRun();
        try
        {
            RunAsTask(s_runForever);
        }
        finally
        {
            ExitRun(previous);
        }
    }

    private static readonly Action<LoopTaskScheduler> s_runForever = static loop =>
    {
        while (true)
        {
            loop.RunOnce();
            if (loop._stopping)
            {
                break;
            }
        }
    };

    /// <summary>
    /// Runs iterations on the calling thread until nothing is ready: no callback queued, nothing posted, no timer due
    /// on the loop's clock. Never sleeps and never moves the clock, so with a fake <see cref="TimeProvider"/> a test
    /// advances time, runs until idle, and can then prove that something did not happen.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, already running, or another loop runs on this thread.</exception>
    internal void RunUntilIdle()
    {
        SynchronizationContext? previous = EnterRun();
        try
        {
            RunAsTask(s_runUntilIdle);
        }
        finally
        {
            ExitRun(previous);
        }
    }

    private static readonly Action<LoopTaskScheduler> s_runUntilIdle = static loop =>
    {
        while (!loop._stopping)
        {
            int before = loop._ready.Count;
            int taken = loop._inbox.Take();
            loop.MoveDueTimers();

            if (loop._ready.Count == 0 && taken == 0)
            {
                break;
            }

            loop.RunReady(before, taken);
        }
    };

    /// <summary>
    /// Stops the loop: the callbacks already queued when the current iteration began still run, then the
    /// running <c>Run</c> method returns. Before a run, makes the next <see cref="RunForever"/> run one iteration.
    /// Callable from any thread. Equivalent to asyncio's <c>loop.stop()</c>.
    /// </summary>
    public void Stop()
    {
        _stopping = true;
        _inbox.Wake();
    }

    /// <summary>
    /// Closes the loop: drops the queued callbacks and timers; later <c>Run</c>, <c>Call</c> and <c>CreateTask</c>
    /// calls throw. Idempotent. Equivalent to asyncio's <c>loop.close()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is running.</exception>
    public void Close()
    {
        lock (_lifecycle)
        {
            if (IsRunning)
            {
                throw new InvalidOperationException("Cannot close a running event loop: call Stop() and let the run return first.");
            }

            if (_closed)
            {
                return;
            }

            // Under the same lock as the start of a run: a run that begins now sees the loop closed.
            _closed = true;
        }

        _inbox.Close();
        _ready.Clear();
        _timers.Clear();
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        _executorIdle = null;
        _sleeps.Close();
        _hooks.Close();
        _callbacks.Close();
        LoopMetrics.Unregister(this);
        StopReportingEscapes();
        ReportTasksAtClose();
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is running.</exception>
    public void Dispose() => Close();

    /// <summary>A name for messages: the loop's name, or its scheduler id.</summary>
    public override string ToString() =>
        $"<LoopTaskScheduler {Name ?? "#" + Id} running={IsRunning} closed={IsClosed} debug={Debug}>";

    internal const string ClosedMessage = "The event loop is closed.";

    /// <summary>How long an idle loop waits for posted work when its clock fails, before it asks the clock again.</summary>
    private static readonly TimeSpan s_clockRetry = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest due time a <see cref="ITimer"/> accepts, in ticks.</summary>
    private const long MaxTimerTicks = (uint.MaxValue - 1L) * TimeSpan.TicksPerMillisecond;

    internal void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException(ClosedMessage);
        }
    }

    /// <summary>Throws unless the caller may use loop-affine members: on the loop thread, or while it does not run.</summary>
    internal void CheckThread(string member)
    {
        if (_threadId != 0 && !IsOnLoopThread)
        {
            throw new InvalidOperationException(
                $"{member} was called from a thread that is not the event loop's: call it from the loop thread or use CallSoonThreadSafe.");
        }
    }

    private SynchronizationContext? EnterRun()
    {
        if (t_running is not null && !ReferenceEquals(t_running, this))
        {
            ThrowIfClosed();
            throw new InvalidOperationException("Cannot run the event loop while another loop is running on this thread.");
        }

        lock (_lifecycle)
        {
            ThrowIfClosed();
            if (IsRunning)
            {
                throw new InvalidOperationException("This event loop is already running.");
            }

            _threadId = Environment.CurrentManagedThreadId;
        }

        t_running = this;
        MarkLoopStack();
        EnterContexts();
        _watchdog?.Start();
        SynchronizationContext? previous = System.Threading.SynchronizationContext.Current;
        System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        return previous;
    }

    private void ExitRun(SynchronizationContext? previous)
    {
        EnterRunContext();
        System.Threading.SynchronizationContext.SetSynchronizationContext(previous);
        _watchdog?.Stop();
        _stackTop.Value = 0;
        t_running = null;
        _loopThread = null;
        _stopping = false;
        _threadId = 0;
    }

    /// <summary>
    /// One iteration, as asyncio's <c>_run_once</c>: sleep if there is nothing to do, take in posted work and due
    /// timers, then run exactly the callbacks that are ready now, not those that they schedule.
    /// </summary>
    private void RunOnce()
    {
        if (_ready.Count == 0 && !_stopping && !_inbox.HasTaken)
        {
            try
            {
                WaitForWork();
            }
            catch (Exception exception)
            {
                // The clock failed (reading it, or arming its timer): report it, and wait a little for posted work
                // instead, so that a broken clock neither stops the loop nor spins it.
                ReportClockFailure(exception);
                _inbox.Wait(s_clockRetry);
            }
        }

        int before = _ready.Count;
        int taken = _inbox.Take();
        MoveDueTimers();

        RunReady(before, taken);
    }

    /// <summary>
    /// Runs exactly the items ready now; what they schedule waits for the next iteration. In asyncio's order: the
    /// <paramref name="before"/> items queued before the inbox was taken, then the <paramref name="taken"/> posted ones,
    /// then the timers that fell due.
    /// </summary>
    private void RunReady(int before, int taken)
    {
        int ready = _ready.Count;
        bool plain = _watchdog is null && !Debug;
        RunFromQueue(before, plain);
        if (taken > 0)
        {
            _runningTaken = true;
            try
            {
                while (_inbox.TryTakeNext(out WorkItem item))
                {
                    Run(in item, plain);
                }
            }
            finally
            {
                _runningTaken = false;
            }
        }

        RunDueTimers(ready - before, plain);
        CountRun(ready + taken);
    }

    /// <summary>Runs the next <paramref name="count"/> items of the ready queue.</summary>
    private void RunFromQueue(int count, bool plain)
    {
        for (int remaining = count; remaining > 0; remaining--)
        {
            WorkItem item = _ready.Dequeue();
            Run(in item, plain);
        }
    }

    /// <summary>
    /// Runs the <paramref name="count"/> timers that fell due this iteration (the rest of the ready queue), asking the
    /// processor to fetch what the next ones touch while this one runs.
    /// </summary>
    /// <remarks>
    /// Timers fire in order of due time, which for many timers is a random walk through memory: each one's node, its
    /// owner (a sleep's promise) and what that resumes miss the cache, one after the other. Fetched a few timers ahead
    /// (the node eight ahead, its owner four, the resumed object two, each read from what the step before fetched),
    /// the misses overlap with running (W6; BENCHMARKS.md).
    /// </remarks>
    private void RunDueTimers(int count, bool plain)
    {
        for (int remaining = count; remaining > 0; remaining--)
        {
            if (remaining > 8)
            {
                Prefetch.Object(_ready.PeekAhead(8));
            }

            if (remaining > 4 && _ready.PeekAhead(4) is TimerNode soon)
            {
                Prefetch.Object(soon.State);
            }

            if (remaining > 2 && _ready.PeekAhead(2) is TimerNode { State: SleepPromise next })
            {
                Prefetch.Object(next.ContinuationState);
            }

            WorkItem item = _ready.Dequeue();
            Run(in item, plain);
        }
    }

    /// <summary>Runs one item: straight to <see cref="Execute"/> when neither the watchdog nor debug mode is on.</summary>
    private void Run(in WorkItem item, bool plain)
    {
        if (plain)
        {
            Execute(in item);
        }
        else
        {
            RunItem(in item);
        }
    }

    private void WaitForWork()
    {
        if (!_timers.TryPeekWhen(out long due))
        {
            EnterRunContext();
            _inbox.Wait(Timeout.InfiniteTimeSpan);
            return;
        }

        long now = NowTicks();
        if (due <= now)
        {
            return;
        }

        if (_autoAdvance && _inbox.IsIdle())
        {
            if (WaitBeforeJumping())
            {
                return;
            }

            // Nothing can happen before the next timer but the passing of time: skip it.
            _clockOffset += due - now;
            return;
        }

        // Going idle calls out (the clock's timer captures the context it is created in): not in a task's context.
        EnterRunContext();
        long wait = due - now;
        if (_systemClock)
        {
            // Monitor.Wait counts whole milliseconds: round up, so the loop does not wake just before the timer.
            long ms = Math.Min((wait + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, int.MaxValue - 1);
            _inbox.Wait(TimeSpan.FromMilliseconds(ms));
        }
        else
        {
            _wakeTimer ??= _timeProvider.CreateTimer(s_wake, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // Timers take at most 0xFFFFFFFE ms; a longer wait just wakes once early and waits again.
            _wakeTimer.Change(new TimeSpan(Math.Min(wait, MaxTimerTicks)), Timeout.InfiniteTimeSpan);
            _inbox.Wait(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Moves the due timers into the ready queue; a clock that fails is reported and the timers wait.</summary>
    private void MoveDueTimers()
    {
        if (_timers.HasEntries && TryNow(out long now, reportFailure: true))
        {
            MoveDueTimers(now);
        }
    }

    /// <summary>Reads the loop's clock; a clock that throws gives false, reported to the exception handler if asked.</summary>
    private bool TryNow(out long now, bool reportFailure)
    {
        try
        {
            now = NowTicks();
            return true;
        }
        catch (Exception exception)
        {
            now = 0;
            if (reportFailure)
            {
                ReportClockFailure(exception);
            }

            return false;
        }
    }

    private void ReportClockFailure(Exception exception) =>
        CallExceptionHandler(new LoopExceptionContext("The loop's TimeProvider failed: timers wait until it works again.") { Exception = exception });

    private void MoveDueTimers(long now)
    {
        while (_timers.TryPopDue(now, out TimerNode node))
        {
            _ready.Enqueue(node);
        }
    }

    /// <remarks>
    /// Read for every timer and sleep. The system clock is read straight from <see cref="Stopwatch"/>, whose frequency
    /// the JIT sees as a constant: on Linux (1 GHz) the conversion is a division by a constant, not three divisions.
    /// </remarks>
    private long NowTicks()
    {
        long ticks = _systemClock
            ? ToTicks(Stopwatch.GetTimestamp(), Stopwatch.Frequency)
            : ToTicks(_timeProvider.GetTimestamp(), _timeProvider.TimestampFrequency);
        return ticks + _clockOffset;
    }

    /// <summary>A timestamp in ticks, exactly (rounded toward zero) for any frequency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ToTicks(long timestamp, long frequency)
    {
        if (frequency == TimeSpan.TicksPerSecond)
        {
            return timestamp;
        }

        if (frequency == 1_000_000_000)
        {
            return timestamp / 100;
        }

        return ((timestamp / frequency) * TimeSpan.TicksPerSecond) + ((timestamp % frequency) * TimeSpan.TicksPerSecond / frequency);
    }

    /// <summary>Runs one item with the watchdog or debug mode on (checked per batch: off, items go straight to <see cref="Execute"/>).</summary>
    private void RunItem(in WorkItem item)
    {
        if (_watchdog is not null)
        {
            RunItemWatched(in item);
            return;
        }

        RunItemTimed(in item);
    }

    /// <summary>Runs one item of the ready queue, whatever its kind.</summary>
    private void Execute(in WorkItem item)
    {
        // Most frequent first; every case but the last is a sealed type, so each test is one compare.
        switch (item.Callback)
        {
            case SendOrPostCallback:
                RunPosted(in item);
                break;
            case Action<object?> or Action:
                RunQueued(in item);
                break;
            case TimerNode node:
                RunCallback(node);
                break;
            case CancelledCallback:
                break;
            default:
                // A task captured with flow suppressed runs in whatever context the thread has: make it the run's.
                EnterRunContext();
                ExecuteTask((Task)item.Callback);
                break;
        }
    }

    /// <summary>Debug mode: runs the item and logs it if it held the loop longer than <see cref="SlowCallbackDuration"/>.</summary>
    private void RunItemTimed(in WorkItem item)
    {
        // Named before it runs: a callback's node is recycled, and its delegate forgotten, as it finishes.
        object what = item.Callback is TimerNode node ? (object?)node.Callback ?? node : item.Callback;
        object? state = item.State;
        long started = Stopwatch.GetTimestamp();
        Execute(in item);

        TimeSpan elapsed = TimeSpan.FromTicks((Stopwatch.GetTimestamp() - started) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        if (elapsed >= SlowCallbackDuration)
        {
            LoopMetrics.SlowCallbacks.Add(1, LoopMetrics.Tag(this));
            WriteLog($"Executing {Describe(what, state)} took {elapsed.TotalSeconds:F3} seconds");
        }
    }

    internal void WriteLog(string message)
    {
        try
        {
            Log.WriteLine(message);
            Log.Flush();
        }
        catch (Exception)
        {
            // A broken log must not stop the loop; there is nowhere left to report it.
        }
    }

    private static string Describe(object what, object? state)
    {
        // The code a continuation resumes says more than the runtime's or the library's own delegate that carries it.
        if (TaskDump.DescribeCode(state) is { } code)
        {
            return code;
        }

        // The library's and the runtime's own lambdas carry the user's work in their state: name that instead.
        if (what is Delegate carrier && TimerNode.IsCarrier(carrier) && DescribeCarried(state) is { } carried)
        {
            return carried;
        }

        return what switch
        {
            Task task => $"<Task {task.GetName()}>",
            SendOrPostCallback posted => $"<Post {TimerNode.Describe(state as Delegate ?? posted)}>",
            Delegate callback => $"<LoopHandle {TimerNode.Describe(callback)}>",
            _ => what.ToString() ?? "?",
        };
    }

    /// <summary>What a library callback's state stands for, in the user's terms; null when it stands for nothing known.</summary>
    private static string? DescribeCarried(object? state) => state switch
    {
        LoopTaskState task => task.DescribeStep(),
        IDescribedWait wait => wait.Describe(),
        Task task => $"task {task.GetName()}",
        Delegate callback when !TimerNode.IsCarrier(callback) => $"<LoopHandle {TimerNode.Describe(callback)}>",
        _ => null,
    };
}
