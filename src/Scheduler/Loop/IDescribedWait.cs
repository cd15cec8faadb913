namespace Scheduler;

/// <summary>
/// A wait a report can name. Declared in the core so that the loop's own reports (slow callbacks, the stall watchdog,
/// what AutoAdvance follows) name a wait without reading the Tasks layer's types.
/// </summary>
internal interface IDescribedWait
{
    /// <summary>What the wait is: <c>AsyncIO.Sleep until …</c>, <c>LoopLock.AcquireAsync</c>.</summary>
    string Describe();

    /// <summary>What the wait resumed last, for reports.</summary>
    object? LastResumed { get; }

    /// <summary>The operation, without the details of one use: <c>AsyncIO.Sleep</c>, <c>LoopLock.AcquireAsync</c>.</summary>
    string Operation { get; }
}
