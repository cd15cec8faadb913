using System;

namespace Scheduler;

/// <summary>
/// The loop a primitive belongs to: bound on first use from a running loop, as asyncio's primitives bind to the loop
/// that first waits on them, and checked on every call afterwards.
/// </summary>
internal struct LoopBinding
{
    private LoopTaskScheduler? _loop;

    /// <summary>The running loop, for an operation that may wait: binds on first use.</summary>
    /// <exception cref="InvalidOperationException">No loop runs here, or the primitive belongs to another loop.</exception>
    public LoopTaskScheduler Require(string owner)
    {
        if (_loop is { } bound && bound.IsOnLoopThread)
        {
            return bound;
        }

        LoopTaskScheduler running = LoopTaskScheduler.Running
            ?? throw new InvalidOperationException(
                $"{owner} can only wait on a running event loop: call it from code running on the loop; from another thread, use RunCoroutineThreadSafe or CallSoonThreadSafe.");
        _loop ??= running;
        if (!ReferenceEquals(_loop, running))
        {
            throw new InvalidOperationException($"{owner} belongs to another event loop: use it only from the loop it was first used on.");
        }

        return running;
    }

    /// <summary>
    /// Checks a call that does not wait: it must come from the bound loop's thread while that loop runs. A call made on
    /// a running loop binds the primitive to it, as a wait would.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from another thread while the loop runs.</exception>
    public void Check(string owner)
    {
        LoopTaskScheduler? loop = _loop ??= LoopTaskScheduler.Running;
        if (loop is not null && loop.IsRunning && !loop.IsOnLoopThread)
        {
            throw new InvalidOperationException(
                $"{owner} belongs to an event loop running on another thread and is not thread-safe: reach it with CallSoonThreadSafe or RunCoroutineThreadSafe.");
        }
    }
}
