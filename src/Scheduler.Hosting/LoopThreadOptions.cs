using System;

namespace Scheduler.Hosting;

/// <summary>
/// Settings of a loop thread registered with
/// <see cref="LoopServiceCollectionExtensions.AddLoopThread(Microsoft.Extensions.DependencyInjection.IServiceCollection, string, Action{LoopThreadOptions}?)"/>,
/// read once, when the container creates the thread.
/// </summary>
/// <remarks>
/// Threading: a plain settings object, filled in by the configure delegate during registration on the thread that
/// registers services; not for concurrent use.
/// </remarks>
public sealed class LoopThreadOptions
{
    internal LoopThreadOptions(string name) => Name = name;

    /// <summary>The name given to <c>AddLoopThread</c>: the service key, the loop's <see cref="LoopOptions.Name"/>, and
    /// its thread's name. Threading: immutable.</summary>
    public string Name { get; }

    /// <summary>The loop's clock (<see cref="LoopOptions.TimeProvider"/>). Null (the default) takes the container's
    /// <see cref="System.TimeProvider"/> when one is registered, else <see cref="TimeProvider.System"/>. Threading: set
    /// during registration only.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>An idle loop jumps its clock to the next timer (<see cref="LoopOptions.AutoAdvance"/>); for tests with a
    /// fake clock. Threading: set during registration only.</summary>
    public bool AutoAdvance { get; set; }

    /// <summary>Starts the loop in debug mode (<see cref="LoopOptions.Debug"/>). Threading: set during registration only.</summary>
    public bool Debug { get; set; }

    /// <summary>In debug mode, a callback slower than this is logged (<see cref="LoopOptions.SlowCallbackDuration"/>);
    /// null keeps the loop's default. Threading: set during registration only.</summary>
    public TimeSpan? SlowCallbackDuration { get; set; }

    /// <summary>The stall watchdog's threshold (<see cref="LoopOptions.StallThreshold"/>); null keeps the loop's default.
    /// Threading: set during registration only.</summary>
    public TimeSpan? StallThreshold { get; set; }

    /// <summary>
    /// When true (the default) and the container has an <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>, the
    /// loop's exception handler writes to the logger of category <c>Scheduler.LoopThread</c>
    /// (<see cref="LoopLoggingExtensions.UseLogger(LoopThread, Microsoft.Extensions.Logging.ILogger)"/>); when false, or
    /// without a logger factory, the loop keeps its default handler (<see cref="LoopOptions.Log"/>). Threading: set during
    /// registration only.
    /// </summary>
    public bool LogExceptions { get; set; } = true;
}
