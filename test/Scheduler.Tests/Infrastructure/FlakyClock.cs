using System;
using System.Threading;
using Microsoft.Extensions.Time.Testing;

namespace Scheduler.Tests;

/// <summary>What <see cref="FlakyClock"/> throws.</summary>
internal sealed class ClockFailureException(string message) : Exception(message);

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose <see cref="GetTimestamp"/> throws on every <see cref="FailEvery"/>-th call while
/// <see cref="Armed"/>: a clock that fails sometimes, deterministically.
/// </summary>
internal sealed class FlakyClock : FakeTimeProvider
{
    private int _calls;
    private int _failures;
    private volatile bool _armed;

    public int FailEvery { get; init; } = 5;

    public bool Armed
    {
        get => _armed;
        set => _armed = value;
    }

    /// <summary>How many times the clock has thrown.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public override long GetTimestamp()
    {
        if (_armed && Interlocked.Increment(ref _calls) % FailEvery == 0)
        {
            int failure = Interlocked.Increment(ref _failures);
            throw new ClockFailureException($"clock failure #{failure}");
        }

        return base.GetTimestamp();
    }
}
