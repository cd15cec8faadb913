using System;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Hooks kept for reuse beyond this are left to the GC, so a huge fan-out does not pin memory forever.</summary>
    private const int MaxPooledHooks = 65536;

    /// <summary>Recycled completion hooks, grown to the most tasks awaited at once (up to <see cref="MaxPooledHooks"/>). Loop thread only.</summary>
    private CompletionHook[] _hookPool = [];
    private int _hookPoolCount;

    /// <summary>The continuation to register on <paramref name="task"/> for <see cref="Continuations.WhenDone"/>. Loop thread only.</summary>
    internal Action Hook(Task task, Action<Task, object?> continuation, object? state)
    {
        CompletionHook hook = _hookPoolCount > 0 ? _hookPool[--_hookPoolCount] : new CompletionHook(this);
        return hook.Arm(task, continuation, state);
    }

    /// <summary>Takes back a hook that has run. Loop thread only.</summary>
    internal void Recycle(CompletionHook hook)
    {
        if (_hookPoolCount == _hookPool.Length)
        {
            if (_hookPoolCount == MaxPooledHooks)
            {
                return;
            }

            Array.Resize(ref _hookPool, Math.Max(16, _hookPool.Length * 2));
        }

        _hookPool[_hookPoolCount++] = hook;
    }
}
