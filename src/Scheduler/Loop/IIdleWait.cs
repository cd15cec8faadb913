using System;

namespace Scheduler;

/// <summary>
/// What a loop with nothing to run does: block the loop thread until work is posted to its inbox (the inbox's
/// <c>Wake</c>), or <c>timeout</c> passes. Called on the loop thread only, between turns.
/// </summary>
/// <remarks>
/// The seam of the idle step. The inbox's own wait is the default; a readiness wait (sockets, pipes) takes its place by
/// blocking in the OS's poll instead, with the inbox's wake made to interrupt it, and queueing what became ready before
/// it returns.
/// </remarks>
internal interface IIdleWait
{
    /// <summary>Blocks until a post, a wake, or <paramref name="timeout"/> (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none).</summary>
    void Wait(TimeSpan timeout);
}
