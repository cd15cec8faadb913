using System;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Debug mode: reports a <c>Task.Factory.StartNew</c>, <c>Task.Start</c> or <c>ContinueWith</c> without a scheduler that
/// went to the thread pool because it was called on the loop's thread where the runtime had cleared
/// <c>TaskScheduler.Current</c> (an <c>await</c> resumed inline; see docs/task-factory.md).
/// </summary>
/// <remarks>
/// The TPL's event source says, on the calling thread, when a task is created (with the name of its delegate) and when
/// it is queued (with the scheduler's id). A task created on a running debug loop's thread with no current task, by a
/// call that did not name a scheduler, is remembered; if it is then queued to the thread pool's scheduler, it left the
/// loop and the loop's log says where it was created. The events cost every task in the process while a debug loop runs;
/// nothing is listened to otherwise. The stack cannot always show whether the caller passed a scheduler (the overloads
/// without one tail-call those with one): a call that passed <c>TaskScheduler.Default</c> is reported too, and the
/// message says that it may have been meant.
/// </remarks>
#pragma warning disable IL2026 // Debug-mode diagnostics: under trimming, frames may lack names, which the text then shows.
internal sealed class LeftLoopListener : EventListener
{
    private const string TplSource = "System.Threading.Tasks.TplEventSource";

    // TplEventSource.Keywords: TaskTransfer (TaskScheduled) | Tasks | AsyncCausalityOperation (TraceOperationBegin).
    private const EventKeywords Keywords = (EventKeywords)(0x1 | 0x2 | 0x8);

    /// <summary>Beyond this many remembered tasks (continuations whose antecedent never completes), stop remembering.</summary>
    private const int MaxPending = 1024;

    private static readonly object s_gate = new();
    private static LeftLoopListener? s_listener;
    private static int s_runs;

    private readonly ConcurrentDictionary<int, Created> _pending = new();

    private LeftLoopListener()
    {
    }

    /// <summary>Listens while at least one debug run is on. Thread-safe; pair each call with <see cref="Detach"/>.</summary>
    public static void Attach()
    {
        // With the TPL's events on, the runtime posts a yield's resume as a plain action: the yield callback must be
        // found before they go on, or it never is (and yields on the loop switch contexts twice, as other posts do).
        _ = YieldResume.Callback;
        lock (s_gate)
        {
            if (s_runs++ == 0)
            {
                s_listener = new LeftLoopListener();
            }
        }
    }

    /// <summary>Ends a run's <see cref="Attach"/>; the last one stops listening. Thread-safe.</summary>
    public static void Detach()
    {
        lock (s_gate)
        {
            if (--s_runs == 0)
            {
                s_listener?.Dispose();
                s_listener = null;
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor too, before this instance's fields are set: touch none here.
        if (eventSource.Name == TplSource)
        {
            EnableEvents(eventSource, EventLevel.Informational, Keywords);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ReadOnlyCollection<object?>? payload = eventData.Payload;
        if (payload is null)
        {
            return;
        }

        switch (eventData.EventName)
        {
            case "TraceOperationBegin" when payload.Count >= 2 && payload[0] is int taskId && payload[1] is string operation:
                OnCreated(taskId, operation);
                break;
            case "TaskScheduled" when payload.Count >= 3 && payload[0] is int schedulerId && payload[2] is int taskId:
                OnQueued(schedulerId, taskId);
                break;
        }
    }

    private void OnCreated(int taskId, string operation)
    {
        bool continuation = operation.StartsWith("Task.ContinueWith: ", StringComparison.Ordinal);
        if (!continuation && !operation.StartsWith("Task: ", StringComparison.Ordinal))
        {
            return; // An async method's box or a promise: queued by nobody's scheduler choice.
        }

        // Inside a task, TaskScheduler.Current is that task's scheduler, whichever it is: not the hole.
        if (LoopTaskScheduler.Running is not { Debug: true } loop || Task.CurrentId is not null || _pending.Count >= MaxPending)
        {
            return;
        }

        StackFrame[] frames = new StackTrace(1, fNeedFileInfo: true).GetFrames() ?? [];
        if (EntryPoint(frames) is not { } entry)
        {
            return;
        }

        string call = continuation ? "ContinueWith" : entry.Method.Name switch
        {
            "StartNew" => "Task.Factory.StartNew",
            "Start" => "Task.Start",
            _ => "Task.Start or StartNew", // The public frame went in a tail call.
        };
        string of = operation.Substring(operation.IndexOf(": ", StringComparison.Ordinal) + 2);
        _pending[taskId] = new Created(loop, $"{call}({AsyncMethods.MethodName(of)})", !entry.Certain, CallerStack.Capture(frames, typeof(Task).Assembly));
    }

    private void OnQueued(int schedulerId, int taskId)
    {
        if (_pending.IsEmpty || !_pending.TryRemove(taskId, out Created created) || schedulerId != TaskScheduler.Default.Id)
        {
            return;
        }

        string unless = created.SchedulerUnknown
            ? " If it passed TaskScheduler.Default on purpose, use Task.Run to say so (this report cannot tell)."
            : string.Empty;
        created.Loop.WriteLog(
            $"{created.Call} left the loop for the thread pool: it was called without a scheduler on the loop's thread, "
            + "where TaskScheduler.Current was the thread pool's (an await that completed on the loop's thread resumed "
            + "inline; see docs/task-factory.md). Pass the loop as the scheduler (or call loop.CallSoon) to stay on the "
            + $"loop, or use Task.Run if the thread pool is meant.{unless}{Environment.NewLine}{created.Where}");
    }

    /// <summary>The runtime's method the caller called (the last runtime frame before the caller's), if it is one of the
    /// TPL's task-creating entry points, and whether it certainly took no scheduler.</summary>
    private static (MethodBase Method, bool Certain)? EntryPoint(StackFrame[] frames)
    {
        Assembly runtime = typeof(Task).Assembly;
        MethodBase? entry = null;
        foreach (StackFrame frame in frames)
        {
            MethodBase? method = frame.GetMethod();
            if (method?.DeclaringType?.Assembly != runtime)
            {
                if (entry is null && method?.DeclaringType == typeof(LeftLoopListener))
                {
                    continue; // This listener's own frames, above the event source's.
                }

                // The library's own calls choose their scheduler on purpose.
                return entry is null || method?.DeclaringType?.Assembly == typeof(LeftLoopListener).Assembly
                    ? null
                    : Classify(entry);
            }

            entry = method;
        }

        return null;
    }

    private static (MethodBase Method, bool Certain)? Classify(MethodBase entry)
    {
        if (entry.DeclaringType is not { } type || entry.Name == "Run")
        {
            return null; // Task.Run: the thread pool on purpose.
        }

        bool factory = type.Name.StartsWith("TaskFactory", StringComparison.Ordinal);
        bool task = type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>));
        if (!factory && !task)
        {
            return null;
        }

        // An overload without a scheduler calls, often as a tail call that leaves no frame, one that takes the
        // scheduler it chose (TaskScheduler.Current): a frame that takes one cannot tell whether the caller passed it.
        bool takesScheduler = Array.Exists(entry.GetParameters(), p => p.ParameterType == typeof(TaskScheduler));
        return (entry, entry.IsPublic && !takesScheduler);
    }

    private readonly record struct Created(LoopTaskScheduler Loop, string Call, bool SchedulerUnknown, string Where);
}
#pragma warning restore IL2026
