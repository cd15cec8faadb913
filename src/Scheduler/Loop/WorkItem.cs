using System.Threading;

namespace Scheduler;

/// <summary>
/// One entry of the ready queue or the inbox. <see cref="Callback"/> is a <see cref="System.Threading.Tasks.Task"/>
/// queued by the TPL, a <see cref="TimerNode"/> (a callback with a handle), or a
/// <see cref="SendOrPostCallback"/> posted to the synchronization context.
/// </summary>
/// <remarks>A struct, so that posting a continuation allocates nothing.</remarks>
internal struct WorkItem
{
    /// <summary>What to run: a task, a handle-bearing callback, or a posted delegate.</summary>
    public object Callback;

    /// <summary>The argument of a posted delegate; unused for the other kinds.</summary>
    public object? State;

    /// <summary>The context a posted delegate runs in; tasks and <see cref="TimerNode"/>s carry their own.</summary>
    public ExecutionContext? Context;

    public WorkItem(object callback, object? state, ExecutionContext? context)
    {
        Callback = callback;
        State = state;
        Context = context;
    }
}
