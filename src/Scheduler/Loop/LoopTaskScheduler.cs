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

    // The loop's state, in one block. The runtime lays out a class's fields itself (references first, then by size),
    // so the order here is not the layout; what matters is that the fields the turn and a post touch are few and that
    // the components (timers, clock) are structs held in place, so their hot fields sit in the loop object itself. A field
    // added elsewhere in a partial file lands among these and may move them: add it here, and run W2/W6 after.
    private readonly ReadyQueue _ready = new();
    private readonly Inbox _inbox = new();
    private LoopTimers _timers = new(new TimerHeap(), new LoopObjectPool<TimerNode>());
    private LoopClock _clock;
    private ContextSwitcher _contexts;

    /// <summary>What the stall watchdog watches, when <see cref="LoopOptions.StallThreshold"/> (or debug mode) turns it on.</summary>
    private readonly ItemWatch? _watch;

    /// <summary>The tasks layer's side of the loop: its tasks, and the pools of its sleeps and completion hooks.</summary>
    private readonly LoopTaskSide _taskSide;

    /// <summary>What the loop does with nothing to run: the inbox's wait until a post or a timeout (the seam a readiness wait plugs into).</summary>
    private readonly IIdleWait _idleWait;
    private readonly bool _autoAdvance;

    /// <summary>See <see cref="LoopOptions.AutoAdvanceThreshold"/>.</summary>
    private readonly TimeSpan _autoAdvanceThreshold;

    /// <summary>The managed id of the thread running the loop; 0 while it does not run.</summary>
    private volatile int _threadId;

    private volatile bool _stopping;

    /// <summary>Makes the start of a run and <see cref="Close"/> exclusive: a loop is never closed under a running run.</summary>
    private readonly object _lifecycle = new();
    private volatile bool _closed;

    /// <summary>Creates a loop. It starts no thread: it runs on the thread that calls a <c>Run</c> method.</summary>
    /// <param name="options">The loop's settings; null for the defaults.</param>
    /// <remarks>Equivalent to asyncio's <c>asyncio.new_event_loop()</c>.</remarks>
    public LoopTaskScheduler(LoopOptions? options = null)
    {
        options ??= s_defaultOptions;
        _clock = new LoopClock(options.TimeProvider ?? throw new ArgumentException("LoopOptions.TimeProvider must not be null.", nameof(options)));
        _idleWait = _inbox;
        _taskSide = LoopTaskSide.Factory?.Invoke(this) ?? throw new InvalidOperationException("The loop's task side was not registered.");
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
            _watch = new ItemWatch(new StallWatchdog(this, threshold));
        }

        SynchronizationContext = new LoopSynchronizationContext(this, notifyWaits: _watch is not null);
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
    public void RunForever() => RunOnThisThread(s_runForever);

    /// <summary>
    /// Runs iterations on the calling thread until nothing is ready: no callback queued, nothing posted, no timer due
    /// on the loop's clock. Never sleeps and never moves the clock, so with a fake <see cref="TimeProvider"/> a test
    /// advances time, runs until idle, and can then prove that something did not happen.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, already running, or another loop runs on this thread.</exception>
    internal void RunUntilIdle() => RunOnThisThread(s_runUntilIdle);

    /// <summary>Runs turns on the calling thread, as <paramref name="turns"/> says, between taking the loop and giving it back.</summary>
    private void RunOnThisThread(Action<LoopTaskScheduler> turns)
    {
        SynchronizationContext? previous = EnterRun();
        try
        {
            RunAsTask(turns);
        }
        finally
        {
            ExitRun(previous);
        }
    }

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
        _timers.Close();
        _clock.Close();
        CloseExecutor();
        LoopMetrics.Unregister(this);
        CloseSignals();
        StopReportingEscapes();
        _taskSide.Close();
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is running.</exception>
    public void Dispose() => Close();

    /// <summary>A name for messages: the loop's name, or its scheduler id.</summary>
    public override string ToString() =>
        $"<LoopTaskScheduler {Name ?? "#" + Id} running={IsRunning} closed={IsClosed} debug={Debug}>";

    internal const string ClosedMessage = "The event loop is closed.";

    /// <summary>Removes the signal handlers, where the build has them (<c>LoopTaskScheduler.Signals.cs</c>).</summary>
    partial void CloseSignals();

    /// <summary>How long an idle loop waits for posted work when its clock fails, before it asks the clock again.</summary>
    private static readonly TimeSpan s_clockRetry = TimeSpan.FromMilliseconds(10);

    private long NowTicks() => _clock.NowTicks();

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

        TakeThread();
        EnterContexts();
        _watch?.Watchdog.Start();
        SynchronizationContext? previous = System.Threading.SynchronizationContext.Current;
        System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        return previous;
    }

    private void ExitRun(SynchronizationContext? previous)
    {
        EnterRunContext();
        System.Threading.SynchronizationContext.SetSynchronizationContext(previous);
        _watch?.Watchdog.Stop();
        ReleaseThread();
        _contexts.Exit();
        _stopping = false;
        _threadId = 0;
    }
}
