using System;
using System.Collections.Generic;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>
/// Allocation checks that tolerate the runtime's own one-off work on the measured thread (a tier-up, a type's first
/// use): a steady-state path must show 0 bytes in at least one of a few tries, while a path that really allocates
/// shows bytes in every try.
/// </summary>
internal static class Allocations
{
    /// <summary>Runs <paramref name="scenario"/> (which returns the bytes it measured) until one run measures 0.</summary>
    public static void ZeroInOneOf(int tries, Func<long> scenario)
    {
        var measured = new List<long>();
        for (int i = 0; i < tries; i++)
        {
            long bytes = scenario();
            if (bytes == 0)
            {
                return;
            }

            measured.Add(bytes);
        }

        measured.ShouldBeEmpty($"the path allocated in each of {tries} tries (bytes per try)");
    }

    /// <summary>Warms <paramref name="action"/> up once, then returns the fewest bytes one run of it allocated in up to 3 tries.</summary>
    public static long Fewest(Action action)
    {
        action();
        long fewest = long.MaxValue;
        for (int i = 0; i < 3 && fewest != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
