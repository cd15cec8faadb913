using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The loop core's view of a loop task: the one that flows with the current logical flow (an <c>AsyncLocal</c>), so the
/// loop can capture a context for work a task forks without the task flowing into it, and name a task in its reports.
/// The tasks layer's <c>LoopTaskState</c> is the one implementation.
/// </summary>
/// <remarks>Any thread: what flows is per logical flow; the fork memory is a single reference, replaced whole.</remarks>
internal abstract class FlowingTask
{
    private static readonly AsyncLocal<FlowingTask?> s_flowing = new();

    /// <summary>The last context handed out by <see cref="CaptureForFork(ExecutionContext?)"/> for this task, and the one it came from.</summary>
    private ForkedContext? _fork;

    /// <summary>The loop task flowing in the current context, whatever runs it.</summary>
    public static FlowingTask? Flowing => s_flowing.Value;

    /// <summary>The loop that runs the task; null for tasks the library only names.</summary>
    public virtual LoopTaskScheduler? Loop => null;

    /// <summary>The task's object, for tasks the loop created.</summary>
    public virtual Task? Task => null;

    /// <summary>Where the task was created; captured in debug mode only.</summary>
    public virtual string? CreationStack => null;

    /// <summary>How reports name a step of this task: the task and the code it runs.</summary>
    public abstract string DescribeStep();

    /// <summary>The loop task whose promise <paramref name="task"/> is (a loop task carries its state as the promise's state); else null.</summary>
    public static FlowingTask? OwnerOf(Task task) =>
        task.AsyncState is FlowingTask own && ReferenceEquals(own.Task, task) ? own : null;

    /// <summary>
    /// The caller's <see cref="ExecutionContext"/> for work it schedules (callbacks, posts): the same, except that the
    /// flowing loop task does not flow into it. Cached per task, so a burst of calls from one step allocates once.
    /// </summary>
    public static ExecutionContext? CaptureForFork() => CaptureForFork(ExecutionContext.Capture());

    /// <summary>As <see cref="CaptureForFork()"/>, for a context the caller captured on the current thread.</summary>
    public static ExecutionContext? CaptureForFork(ExecutionContext? captured)
    {
        FlowingTask? task = captured is null ? null : s_flowing.Value;
        if (task is null)
        {
            return captured;
        }

        ForkedContext? fork = task._fork;
        if (fork is not null && ReferenceEquals(fork.Source, captured))
        {
            return fork.Forked;
        }

        s_flowing.Value = null;
        ExecutionContext forked = ExecutionContext.Capture()!;
#if NET8_0_OR_GREATER
        ExecutionContext.Restore(captured!);
#else
        s_flowing.Value = task;
#endif
        task._fork = new ForkedContext(captured!, forked);
        return forked;
    }

    /// <summary>Makes <paramref name="task"/> the one flowing in the current context (a task's step begins).</summary>
    protected static void Flow(FlowingTask? task) => s_flowing.Value = task;

    private sealed record ForkedContext(ExecutionContext Source, ExecutionContext Forked);
}
