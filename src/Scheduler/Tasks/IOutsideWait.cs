namespace Scheduler;

/// <summary>
/// A loop promise that I/O outside the loop completes (a stream's read, fed by a socket or a pipe): the loop cannot see
/// that work coming, so an auto-advancing loop treats a task waiting in it as awaiting unseen work, and waits up to
/// <see cref="LoopOptions.AutoAdvanceThreshold"/> of real time before it jumps the clock (Trio's autojump rule).
/// </summary>
/// <remarks>Read on the loop thread.</remarks>
internal interface IOutsideWait
{
    /// <summary>Whether what completes the wait is outside the loop now (a reader fed by a transport, not by the program).</summary>
    bool WaitsOnOutside { get; }
}
