using System;
using System.Globalization;

namespace Scheduler;

/// <summary>Durations in messages, as a person writes them: "300 ms", "1 s", "1.5 h", not <c>00:00:00.3000000</c>.</summary>
internal static class Durations
{
    public static string Format(TimeSpan duration)
    {
        if (duration == System.Threading.Timeout.InfiniteTimeSpan)
        {
            return "infinite";
        }

        double seconds = duration.TotalSeconds;
        double magnitude = Math.Abs(seconds);
        return magnitude switch
        {
            0 => "0 s",
            < 0.001 => Number(seconds * 1_000_000) + " us",
            < 1 => Number(seconds * 1_000) + " ms",
            < 120 => Number(seconds) + " s",
            < 3600 => Number(seconds / 60) + " min",
            < 172_800 => Number(seconds / 3600) + " h",
            _ => Number(seconds / 86_400) + " days",
        };
    }

    /// <summary>At most three significant digits, no trailing zeros.</summary>
    private static string Number(double value) =>
        Math.Round(value, value >= 100 || value <= -100 ? 0 : value >= 10 || value <= -10 ? 1 : 2).ToString("0.##", CultureInfo.InvariantCulture);
}
