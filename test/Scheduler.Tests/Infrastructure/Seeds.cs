using System;
using System.Globalization;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>Runs a randomized test body once per seed and names the seed of a failure.</summary>
internal static class Seeds
{
    /// <summary>Set to a number to replay that one seed.</summary>
    public const string Variable = "SCHEDULER_TEST_SEED";

    /// <summary>
    /// Calls <paramref name="body"/> with seeds <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1
    /// (or only the seed in <see cref="Variable"/>); a failure is rethrown with its seed and how to replay it.
    /// </summary>
    /// <returns>How many seeds ran.</returns>
    public static int ForEach(int first, int count, Action<int> body)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int only))
        {
            first = only;
            count = 1;
        }

        for (int seed = first; seed < first + count; seed++)
        {
            try
            {
                body(seed);
            }
            catch (Exception exception)
            {
                throw new ShouldAssertException(
                    $"Failed with seed {seed} (replay: {Variable}={seed}): {exception.GetType().Name}: {exception.Message}", exception);
            }
        }

        return count;
    }
}
