using System;

namespace Scheduler;

/// <summary>A suspension point that a task's cancellation can end early (sleeps, the primitives, the combinators).</summary>
internal interface ICancellableWait
{
    /// <summary>Ends the wait with <paramref name="exception"/>. Called on the loop thread.</summary>
    void CancelWait(OperationCanceledException exception);

    /// <summary>
    /// Whether <paramref name="task"/> is still suspended in this wait. A wait that ends on the loop thread may stay the
    /// task's recorded wait after it ended (so that waiting on it again records nothing); this tells. Loop thread only.
    /// </summary>
    bool IsWaitOf(LoopTaskState task);
}
