using System;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The await continuation <see cref="Continuations.WhenDone"/> registers on a task when a loop is at hand. Pooled per
/// loop together with its delegate, so a registration costs only the runtime's own continuation object: a gather of
/// thousands of pending tasks would otherwise keep a hook and a delegate per task alive through the collections.
/// </summary>
/// <remarks>Taken and given back on the loop thread only; each registration is run once by the runtime.</remarks>
internal sealed class CompletionHook : IPoolable, ILoopContinuation
{
    private static readonly Action<object?> s_runOnLoop = static state => ((CompletionHook)state!).Run();

    private readonly LoopTaskScheduler _loop;
    private Task? _task;
    private Action<Task, object?>? _continuation;
    private object? _state;

    public CompletionHook(LoopTaskScheduler loop)
    {
        _loop = loop;
        Callback = Run;
    }

    /// <inheritdoc/>
    public int PoolNumber { get; set; } = -1;

    /// <summary>The delegate handed to the awaiter, created once per hook.</summary>
    public Action Callback { get; }

    /// <summary>
    /// Whether nothing waits for this registration any more: the operation it would complete has ended (a <c>WaitFor</c>
    /// that timed out while the task it waited on runs on). Read after the loop closed, when nothing writes the hook.
    /// </summary>
    public bool IsMoot => _state is LoopTaskState { Task.IsCompleted: true };

    /// <summary>What the registration would resume, for the report of one dropped after the loop closed.</summary>
    public string Describe() =>
        _state is LoopTaskState operation ? $"the wake-up of {operation.DescribeAwait()}" : TimerNode.Describe(_continuation);

    public Action Arm(Task task, Action<Task, object?> continuation, object? state)
    {
        _task = task;
        _continuation = continuation;
        _state = state;
        return Callback;
    }

    private void Run()
    {
        if (!_loop.IsOnLoopThread)
        {
            // Only a thread that made the loop's context current by hand gets here: the library's continuations run
            // on the loop, and the pool is the loop thread's.
            _loop.CallSoonInternal(s_runOnLoop, this);
            return;
        }

        Task task = _task!;
        Action<Task, object?> continuation = _continuation!;
        object? state = _state;
        _task = null;
        _continuation = null;
        _state = null;

        // Back first: the continuation may register again, and can then reuse this very hook.
        _loop.TaskSide.Recycle(this);
        continuation(task, state);
    }
}
