using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// asyncio's "Task exception was never retrieved": a loop task that failed and whose exception nobody observed is
/// reported to its loop's exception handler, once: when the task is garbage-collected unobserved (through
/// <see cref="TaskScheduler.UnobservedTaskException"/>), or, at the latest, when its loop closes.
/// </summary>
internal static class UnobservedFailures
{
    private const string Message = "Task exception was never retrieved";

    static UnobservedFailures()
    {
        TaskScheduler.UnobservedTaskException += OnUnobservedTaskException;
    }

    /// <summary>
    /// Remembers a failed loop task (weakly) for the check at close. Going through this class, not straight to the loop,
    /// is what subscribes the collection-time report (the static constructor) as the first failure happens.
    /// </summary>
    public static void Watch(LoopTaskScheduler loop, LoopTaskState task) => loop.TaskSide.WatchFailure(task);

    /// <summary>At close: reports the failed tasks still alive whose exception nobody observed.</summary>
    public static void ReportAtClose(LoopTaskScheduler loop, IEnumerable<LoopTaskState> failed)
    {
        foreach (LoopTaskState state in failed)
        {
            if (state.Task is { IsFaulted: true } task && ExceptionObserved.Of(task) == false && state.TryMarkFailureReported())
            {
                loop.CallExceptionHandler(new LoopExceptionContext($"{Message} (task {state.Name})") { Exception = Unwrap(task), Task = task });
            }
        }
    }

    private static void OnUnobservedTaskException(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        if (sender is not Task { AsyncState: LoopTaskState state } task || state.Loop is not { } loop || !state.TryMarkFailureReported())
        {
            return;
        }

        e.SetObserved();
        var context = new LoopExceptionContext($"{Message} (task {state.Name})") { Exception = Unwrap(task), Task = task };
        try
        {
            // On the finalizer thread: the report goes to the loop, as asyncio calls the handler on its loop.
            loop.CallSoonThreadSafe(static c => ((LoopReport)c!).Deliver(), new LoopReport(loop, context));
        }
        catch (InvalidOperationException)
        {
            loop.DefaultExceptionHandler(context);
        }
    }

    private static Exception? Unwrap(Task task) =>
        task.Exception is { InnerExceptions.Count: 1 } single ? single.InnerException : task.Exception;

    private sealed class LoopReport(LoopTaskScheduler loop, LoopExceptionContext context)
    {
        public void Deliver() => loop.CallExceptionHandler(context);
    }
}

/// <summary>
/// Whether a faulted task's exception was observed (awaited, <c>.Exception</c> read, …). .NET keeps that bit private;
/// it is read by reflection, and null means "cannot tell on this runtime", in which case nothing is reported at close.
/// </summary>
#pragma warning disable IL2075 // Fields of the runtime's own types; a trimmed or renamed field reads as "cannot tell".
internal static class ExceptionObserved
{
    private const BindingFlags Fields = BindingFlags.Instance | BindingFlags.NonPublic;
    private static readonly FieldInfo? s_contingent = typeof(Task).GetField("m_contingentProperties", Fields);
    private static readonly FieldInfo? s_holder = s_contingent?.FieldType.GetField("m_exceptionsHolder", Fields);
    private static readonly FieldInfo? s_handled = s_holder?.FieldType.GetField("m_isHandled", Fields);

    public static bool? Of(Task task)
    {
        if (s_handled is null)
        {
            return null;
        }

        try
        {
            object? holder = s_contingent!.GetValue(task) is { } contingent ? s_holder!.GetValue(contingent) : null;
            return holder is null ? null : (bool?)s_handled.GetValue(holder);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
#pragma warning restore IL2075
