using System;
using System.Threading;

namespace Scheduler.Tests;

/// <summary>Runs code on a thread of its own and waits for it: the "another thread" of misuse and cross-thread tests.</summary>
internal static class OtherThread
{
    /// <summary>Runs <paramref name="body"/> on a new thread, waits for it and rethrows its exception.</summary>
    /// <remarks>Within the deadlock guard's bound, as any test thread.</remarks>
    public static T Run<T>(Func<T> body) => Guard.RunOn("other thread", body);

    /// <summary>Runs <paramref name="body"/> on a new thread, waits for it and returns what it threw, or null.</summary>
    public static Exception? Capture(Action body) => Run<Exception?>(() =>
    {
        try
        {
            body();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    });

    /// <summary>Starts <paramref name="body"/> on a new background thread and returns that thread.</summary>
    public static Thread Start(Action body)
    {
        var thread = new Thread(() => body())
        {
            IsBackground = true,
            Name = "other thread",
        };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Spins until <paramref name="thread"/> is blocked (waiting, sleeping or joining): for a loop thread that runs
    /// nothing else, that is the idle wait. A condition, not a delay: it never decides an order by elapsed time.
    /// </summary>
    public static void WaitUntilBlocked(Thread thread)
    {
        var spin = default(SpinWait);
        while ((thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            spin.SpinOnce();
        }
    }
}
