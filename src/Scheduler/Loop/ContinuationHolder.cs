namespace Scheduler;

/// <summary>
/// The part of the library's pooled awaitables the loop core sees: what the continuation an awaiter registered resumes,
/// so a turn can fetch it into the cache while the timers before it run (see <c>RunDueTimers</c>).
/// </summary>
/// <remarks>Written and read on the loop thread only.</remarks>
internal abstract class ContinuationHolder
{
    /// <summary>The registered continuation's state, kept past the use (an async method's box, mostly).</summary>
    private protected object? _continuationState;

    /// <summary>What the continuation resumes, for the loop to fetch ahead.</summary>
    public object? ContinuationState => _continuationState;
}
