using System;
using System.Globalization;

namespace Scheduler.Samples;

/// <summary>The wall-clock time the samples print, as asyncio's examples print <c>time.strftime('%X')</c>.</summary>
internal static class Clock
{
    /// <summary>The local time as HH:mm:ss.fff.</summary>
    public static string Now => DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
