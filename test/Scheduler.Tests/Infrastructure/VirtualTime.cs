using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>
/// Options and helpers for the task tests that run under <c>AsyncIO.Run</c>: a fake clock with <c>AutoAdvance</c>, so
/// an idle loop jumps straight to its next timer and every timeout runs at once, yet lands on an exact loop time.
/// </summary>
internal static class VirtualTime
{
    /// <summary>Auto-advancing virtual time on a fake clock that never moves by itself.</summary>
    public static LoopOptions Options(TextWriter? log = null) => new()
    {
        AutoAdvance = true,
        TimeProvider = new FakeTimeProvider(),
        Log = log ?? new StringWriter(),
        Name = "virtual-time",
    };

    /// <summary>The running loop's clock.</summary>
    public static TimeSpan Now => AsyncIO.GetRunningLoop().Time();

    /// <summary><paramref name="seconds"/> as a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>
    /// Awaits <paramref name="task"/> and asserts that it ended cancelled: an <see cref="OperationCanceledException"/>
    /// (or a subclass such as <see cref="TaskCanceledException"/>) comes out of the await.
    /// </summary>
    public static async Task<OperationCanceledException> ShouldBeCancelledAsync(this Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException cancelled)
        {
            return cancelled;
        }
        catch (Exception other)
        {
            throw new ShouldAssertException($"Expected the task to end cancelled, but it failed with {other.GetType().Name}: {other.Message}", other);
        }

        throw new ShouldAssertException($"Expected the task to end cancelled, but it ran to completion ({task.Status}).");
    }

    /// <summary>
    /// Awaits <paramref name="task"/> on the loop and returns the <typeparamref name="TException"/> (or subclass) it threw.
    /// Use it instead of <c>Should.ThrowAsync</c> in loop code: Shouldly continues on the thread pool, where an
    /// auto-advancing clock cannot see it, so the loop may jump past later timers before the test resumes.
    /// </summary>
    public static async Task<TException> ShouldThrowOnLoopAsync<TException>(Task task)
        where TException : Exception
    {
        try
        {
            await task;
        }
        catch (TException expected)
        {
            return expected;
        }
        catch (Exception other)
        {
            throw new ShouldAssertException($"Expected {typeof(TException).Name}, but {other.GetType().Name} was thrown: {other.Message}", other);
        }

        throw new ShouldAssertException($"Expected {typeof(TException).Name}, but the task ran to completion.");
    }

    /// <summary>Runs <paramref name="body"/> on the loop; see <see cref="ShouldThrowOnLoopAsync{TException}(Task)"/>.</summary>
    public static Task<TException> ShouldThrowOnLoopAsync<TException>(Func<Task> body)
        where TException : Exception => ShouldThrowOnLoopAsync<TException>(body());
}
