using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>Steps shared by the primitive and queue tests: run code on the loop, call from another thread, assert sync completion.</summary>
internal static class LoopTestHelpers
{
    /// <summary>Runs <paramref name="action"/> as a loop callback, then runs the loop until idle; rethrows what the action threw.</summary>
    public static void OnLoop(this TestLoop test, Action action)
    {
        ExceptionDispatchInfo? error = null;
        test.Loop.CallSoon(() =>
        {
            try
            {
                action();
            }
            catch (Exception exception)
            {
                error = ExceptionDispatchInfo.Capture(exception);
            }
        });
        test.RunUntilIdle();
        error?.Throw();
    }

    /// <summary>Runs <paramref name="func"/> as a loop callback, then runs the loop until idle, and returns its result.</summary>
    public static T OnLoop<T>(this TestLoop test, Func<T> func)
    {
        T result = default!;
        test.OnLoop(() =>
        {
            result = func();
        });
        return result;
    }

    /// <summary>Runs <paramref name="action"/> on a new thread and waits for it; returns what it threw, or null.</summary>
    /// <remarks>Called from a loop callback, the loop is running (on the blocked loop thread) while the action runs.</remarks>
    public static Exception? FromOtherThread(Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception exception)
            {
                caught = exception;
            }
        })
        {
            IsBackground = true,
            Name = "other thread",
        };
        thread.Start();
        thread.Join();
        return caught;
    }

    /// <summary>The misuse contract: an <see cref="InvalidOperationException"/> that points to the thread-safe entry points.</summary>
    public static void ShouldBeMisuseFromOtherThread(this Exception? exception)
    {
        exception.ShouldNotBeNull("a call from another thread while the loop runs should throw");
        exception.ShouldBeAssignableTo<InvalidOperationException>();
        bool namesEntryPoint = exception.Message.Contains("CallSoonThreadSafe", StringComparison.Ordinal)
            || exception.Message.Contains("RunCoroutineThreadSafe", StringComparison.Ordinal);
        namesEntryPoint.ShouldBeTrue($"the message should name CallSoonThreadSafe or RunCoroutineThreadSafe: \"{exception.Message}\"");
    }

    /// <summary>Asserts that the awaitable completed synchronously and successfully, and consumes it.</summary>
    public static void ShouldCompleteSynchronously(this ValueTask awaitable)
    {
        awaitable.IsCompletedSuccessfully.ShouldBeTrue("the operation should complete synchronously");
        awaitable.GetAwaiter().GetResult();
    }

    /// <summary>Asserts that the awaitable completed synchronously and successfully, consumes it and returns its result.</summary>
    public static T ShouldCompleteSynchronously<T>(this ValueTask<T> awaitable)
    {
        awaitable.IsCompletedSuccessfully.ShouldBeTrue("the operation should complete synchronously");
        return awaitable.GetAwaiter().GetResult();
    }

    /// <summary>Rethrows the exception of an awaitable that completed faulted or cancelled; leaves a pending or successful one alone.</summary>
    /// <remarks>Lets a misuse test accept both shapes of "throws": a synchronous throw, or a faulted awaitable.</remarks>
    public static void ThrowIfFaulted(ValueTask awaitable)
    {
        if (awaitable.IsFaulted || awaitable.IsCanceled)
        {
            awaitable.GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc cref="ThrowIfFaulted(ValueTask)"/>
    public static void ThrowIfFaulted<T>(ValueTask<T> awaitable)
    {
        if (awaitable.IsFaulted || awaitable.IsCanceled)
        {
            awaitable.GetAwaiter().GetResult();
        }
    }

    /// <summary>Consumes an awaitable that must have completed successfully, without allocating (for allocation tests).</summary>
    /// <exception cref="InvalidOperationException">It has not completed successfully.</exception>
    public static void ConsumeCompleted(ValueTask awaitable)
    {
        if (!awaitable.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The operation did not complete synchronously.");
        }

        awaitable.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="ConsumeCompleted(ValueTask)"/>
    public static T ConsumeCompleted<T>(ValueTask<T> awaitable)
    {
        if (!awaitable.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The operation did not complete synchronously.");
        }

        return awaitable.GetAwaiter().GetResult();
    }
}
