using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The task <c>Shield</c> returns: mirrors the inner task, but cancelling it (or the task awaiting it) ends only the
/// shield; the inner task runs on and its result stays retrievable (asyncio's <c>shield</c>).
/// </summary>
internal sealed class ShieldOperation<T> : LoopOperation<T>
{
    private static readonly Action<Task, object?> s_innerDone = static (inner, state) => ((ShieldOperation<T>)state!).TrySetFrom(inner, ResultOf);

    private readonly Task _inner;

    public ShieldOperation(Task inner)
    {
        _inner = inner;
        if (inner.IsCompleted)
        {
            TrySetFrom(inner, ResultOf);
            return;
        }

        inner.WhenDone(s_innerDone, this);
        AttachToCurrentTask();
    }

    public override IEnumerable<Task> Awaited => [_inner];

    protected override void OnCancel(OperationCanceledException reason) => TrySetCanceled(reason.CancellationToken);
}
