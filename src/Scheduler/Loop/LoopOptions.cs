using System;
using System.IO;

namespace Scheduler;

/// <summary>
/// Settings of a <see cref="LoopTaskScheduler"/>, fixed when the loop is created.
/// </summary>
/// <remarks>An immutable bag of init-only properties; safe to share between loops and threads.</remarks>
public sealed class LoopOptions
{
    /// <summary>The loop's clock and the source of its timers. Default <see cref="System.TimeProvider.System"/>;
    /// a fake provider gives tests virtual time that moves only when they say so.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// When true, an idle loop moves its clock straight to its next timer instead of sleeping, so an hour of
    /// timeouts runs in microseconds and timer order is unchanged. The loop is not idle while executor or
    /// <c>ToThread</c> work it started still runs, or while work posted from other threads waits.
    /// </summary>
    public bool AutoAdvance { get; init; }

    /// <summary>
    /// With <see cref="AutoAdvance"/>: how long, in real time, an idle loop waits before it jumps its clock while one of
    /// its tasks awaits work the loop cannot see — a <c>Task.Delay</c>, a socket, <c>HttpClient</c>, <c>Task.Run</c>.
    /// Default 1 s. Such work wakes the loop when it completes, so
    /// the wait ends as soon as it does: only work that is stuck, or slower than this, costs the whole threshold. While
    /// every task is in a loop-aware wait (<c>AsyncIO.Sleep</c>, the primitives and queues, <c>Gather</c>,
    /// <c>WaitFor</c> and the others over loop tasks) the clock jumps at once. A <c>TaskCompletionSource</c> counts as
    /// the loop's own (the code holding it completes it). <see cref="TimeSpan.Zero"/> jumps at once always.
    /// <para>As Trio's <c>MockClock.autojump_threshold</c>.</para>
    /// </summary>
    public TimeSpan AutoAdvanceThreshold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long <c>WaitFor</c> and <c>AsyncIO.Run</c>'s shutdown wait, on the loop's clock, for a task they cancelled to
    /// take the cancellation (a loop-aware await delivers it). A task that has not taken it by then — one in a plain
    /// <c>await</c> of work that never ends cannot — is reported to the exception handler with what it awaits, and the
    /// wait ends anyway (<c>WaitFor</c> with its <see cref="TimeoutException"/>). A task that took it is waited for
    /// while its cleanup runs, as asyncio does. Default 1 s; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>
    /// waits without limit, as asyncio's <c>wait_for</c>.
    /// </summary>
    public TimeSpan CancellationGracePeriod { get; init; } = DefaultCancellationGracePeriod;

    /// <summary>
    /// When true, a SIGTERM while <c>AsyncIO.Run</c> runs cancels the main task as Ctrl+C does (its cleanup runs, then
    /// <c>Run</c> throws the cancellation), for a program stopped by a container runtime or a service manager. Default
    /// false: SIGTERM ends the process as the runtime does by default. Handled on .NET 8 and later.
    /// </summary>
    public bool CancelOnSigterm { get; init; }

    /// <summary>The default of <see cref="CancellationGracePeriod"/>, and the grace off a loop.</summary>
    internal static readonly TimeSpan DefaultCancellationGracePeriod = TimeSpan.FromSeconds(1);

    /// <summary>Starts the loop in debug mode (<see cref="LoopTaskScheduler.Debug"/>). Default false.</summary>
    public bool Debug { get; init; }

    /// <summary>In debug mode, a callback that runs longer than this is logged. Default 100 ms, as asyncio's.</summary>
    public TimeSpan SlowCallbackDuration { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Where the default exception handler and the debug warnings write. Default <see cref="Console.Error"/>,
    /// read when the loop is created.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// The stall watchdog: when one callback holds the loop thread longer than this, a watcher reports it to the exception
    /// handler, once per stall, naming the callback and saying whether it is blocked in a synchronous wait (the
    /// <c>.Result</c>/<c>.Wait()</c> deadlock). Null (the default) means off, except in <see cref="Debug"/> mode, where
    /// it is <see cref="DefaultStallThreshold"/>; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> turns it off always.
    /// </summary>
    public TimeSpan? StallThreshold { get; init; }

    /// <summary>The stall threshold of debug mode when <see cref="StallThreshold"/> is not set: one second.</summary>
    public static TimeSpan DefaultStallThreshold { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The loop's name, for diagnostics; a <see cref="LoopThread"/>'s thread takes it too.</summary>
    public string? Name { get; init; }
}
