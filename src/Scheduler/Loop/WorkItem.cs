using System.Threading;

namespace Scheduler;

/// <summary>
/// One entry of the ready queue or the inbox. <see cref="Callback"/> is one of: a <see cref="SendOrPostCallback"/>
/// posted to the synchronization context; an <see cref="System.Action{T}"/> of <see cref="object"/> or an
/// <see cref="System.Action"/> (<c>CallSoon</c>, <c>CallSoonThreadSafe</c> and the library's own wake-ups, with no node:
/// the handle is the entry's number); a <see cref="TimerNode"/> (a timer that fell due); the marker of a callback cancelled
/// while queued; or a <see cref="System.Threading.Tasks.Task"/> queued by the TPL.
/// </summary>
/// <remarks>A struct, so that posting a continuation allocates nothing.</remarks>
internal struct WorkItem
{
    /// <summary>What to run: one of the kinds above.</summary>
    public object Callback;

    /// <summary>The argument of a delegate; unused for the other kinds.</summary>
    public object? State;

    /// <summary>The context a delegate runs in (null: the run's own); tasks and <see cref="TimerNode"/>s carry their own.</summary>
    public ExecutionContext? Context;

    public WorkItem(object callback, object? state, ExecutionContext? context)
    {
        Callback = callback;
        State = state;
        Context = context;
    }
}
