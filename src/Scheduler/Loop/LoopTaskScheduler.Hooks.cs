using System;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Recycled completion hooks, as many as tasks were ever awaited at once, trimmed after a burst. Loop thread only.</summary>
    private readonly LoopObjectPool<CompletionHook> _hooks = new();

    /// <summary>The continuation to register on <paramref name="task"/> for <see cref="Continuations.WhenDone"/>. Loop thread only.</summary>
    internal Action Hook(Task task, Action<Task, object?> continuation, object? state) =>
        (_hooks.Rent() ?? _hooks.Adopt(new CompletionHook(this))).Arm(task, continuation, state);

    /// <summary>Takes back a hook that has run. Loop thread only.</summary>
    internal void Recycle(CompletionHook hook) => _hooks.Return(hook);
}
