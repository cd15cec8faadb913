using System;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The loop's seam to the tasks layer: what the core asks of the tasks it runs, without naming their types. The tasks
/// layer makes one for each loop (it registers <see cref="Factory"/> as the assembly loads) and keeps behind it the
/// loop's tasks and the pools of its sleeps and completion hooks.
/// </summary>
/// <remarks>Called on the loop thread, or by the thread that owns a loop that does not run.</remarks>
internal abstract class LoopTaskSide
{
    /// <summary>Makes a loop's task side; set once, before any loop exists.</summary>
    internal static Func<LoopTaskScheduler, LoopTaskSide>? Factory;

    /// <summary>Whether a pending task, or <paramref name="runTarget"/> (what the run waits for), awaits work the loop cannot see.</summary>
    public abstract bool AwaitsUnseenWork(Task? runTarget);

    /// <summary>The loop closed: stop pooling, and report the tasks that can never finish or whose failure went unobserved.</summary>
    public abstract void Close();
}
