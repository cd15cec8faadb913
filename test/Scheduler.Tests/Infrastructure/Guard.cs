using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Scheduler.Tests;

/// <summary>
/// The deadlock guard every loop test runs under: the body runs on a thread of its own, and a body that has not
/// finished within <see cref="UnexpectedTimeout"/> fails the test instead of hanging the suite.
/// </summary>
internal static class Guard
{
    /// <summary>How long a test may take before it counts as hung; infinite under a debugger.</summary>
    public static readonly TimeSpan UnexpectedTimeout = Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(20);

    public static void Run(Action body) => Run<object?>(() =>
    {
        body();
        return null;
    });

    public static T Run<T>(Func<T> body) => RunOn("guarded test body", body);

    /// <summary>Runs <paramref name="body"/> on a new thread named <paramref name="name"/>, waits for it within
    /// <see cref="UnexpectedTimeout"/> and rethrows its exception.</summary>
    public static T RunOn<T>(string name, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception exception)
            {
                error = ExceptionDispatchInfo.Capture(exception);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        if (!thread.Join(UnexpectedTimeout))
        {
            throw new TimeoutException($"Deadlock guard: {name} did not finish within {UnexpectedTimeout.TotalSeconds} s.");
        }

        error?.Throw();
        return result;
    }
}
