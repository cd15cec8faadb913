using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Scheduler.Hosting;

/// <summary>Registers loop threads in a service container.</summary>
public static class LoopServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="LoopThread"/> named <paramref name="name"/> for the application's lifetime: a singleton,
    /// created (and its thread started) when first resolved, and disposed with the container when the host shuts down —
    /// after the services that depend on it — which runs what was queued on it, then stops, joins and closes the loop.
    /// It is resolved as the keyed service <c>LoopThread</c> under <paramref name="name"/>, and, for the first loop
    /// registered, as the plain <c>LoopThread</c> service too.
    /// </summary>
    /// <param name="services">The container's service collection.</param>
    /// <param name="name">The loop's name and service key.</param>
    /// <param name="configure">Sets the loop's options; runs at once, on the calling thread.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>
    /// Threading: registration is not thread-safe (no <see cref="IServiceCollection"/> method is). The loop thread it
    /// creates follows <see cref="LoopThread"/>'s rules: its members are thread-safe, and work reaches the loop through
    /// <see cref="LoopThread.Factory"/>, <see cref="LoopTaskScheduler.CallSoonThreadSafe(Action)"/> or a
    /// <see cref="LoopBackgroundService"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static IServiceCollection AddLoopThread(this IServiceCollection services, string name, Action<LoopThreadOptions>? configure = null)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }

        if (name is null)
        {
            throw new ArgumentNullException(nameof(name));
        }

        if (name.Length == 0)
        {
            throw new ArgumentException("A loop thread needs a name.", nameof(name));
        }

        var options = new LoopThreadOptions(name);
        configure?.Invoke(options);
        services.AddKeyedSingleton(name, (provider, _) => Create(provider, options));
        services.TryAddSingleton(provider => provider.GetRequiredKeyedService<LoopThread>(name));
        return services;
    }

    private static LoopThread Create(IServiceProvider provider, LoopThreadOptions options)
    {
        var loopOptions = new LoopOptions
        {
            Name = options.Name,
            TimeProvider = options.TimeProvider ?? provider.GetService<TimeProvider>() ?? TimeProvider.System,
            AutoAdvance = options.AutoAdvance,
            Debug = options.Debug,
            SlowCallbackDuration = options.SlowCallbackDuration ?? new LoopOptions().SlowCallbackDuration,
            StallThreshold = options.StallThreshold,
        };
        var thread = new LoopThread(loopOptions);
        if (options.LogExceptions && provider.GetService<ILoggerFactory>() is { } loggers)
        {
            // Queued before anything the container's services can post, so the handler is in place for all of it.
            thread.UseLogger(loggers.CreateLogger<LoopThread>());
        }

        return thread;
    }
}
