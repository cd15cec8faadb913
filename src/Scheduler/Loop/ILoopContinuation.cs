namespace Scheduler;

/// <summary>
/// A continuation the library hands to an awaiter on the loop's behalf (the completion hook the tasks layer registers
/// on a task): the object behind the delegate that reaches the loop's synchronization context, which the loop asks
/// about when it can no longer run it, and names in its reports by what it resumes.
/// </summary>
/// <remarks>Read on the loop thread, or after the loop closed, when nothing writes it any more.</remarks>
internal interface ILoopContinuation
{
    /// <summary>Whether nothing waits for it any more: dropping it loses nothing.</summary>
    bool IsMoot { get; }

    /// <summary>What it would resume, for a report.</summary>
    string Describe();
}
