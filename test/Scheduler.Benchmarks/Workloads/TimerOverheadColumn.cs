using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Scheduler.Benchmarks.Workloads;

/// <summary>
/// W6's answer: the mean time per timer minus the share of the 50 ms that every run must wait anyway
/// (<c>50 ms / 100,000</c>), that is the cost each timer adds beyond its sleep.
/// </summary>
internal sealed class TimerOverheadColumn : IColumn
{
    /// <summary>The nanoseconds per timer that are the sleep itself, not overhead.</summary>
    public static readonly double SleepNanosecondsPerTimer = W6TimerBenchmarks.MaxDelay.TotalNanoseconds / W6TimerBenchmarks.Timers;

    public string Id => nameof(TimerOverheadColumn);

    public string ColumnName => "Overhead/timer";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"Mean per timer minus the {SleepNanosecondsPerTimer:F0} ns share of the 50 ms wait (ns)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is { } nanoseconds
            ? (nanoseconds - SleepNanosecondsPerTimer).ToString("N1", CultureInfo.InvariantCulture) + " ns"
            : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;

    /// <summary>Adds the column to W6's summary only.</summary>
    internal sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new TimerOverheadColumn());
        }
    }
}
