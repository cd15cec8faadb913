using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Scheduler.Benchmarks;

/// <summary>The two ways to run: the full job for the published table, and <c>--quick</c> to check the harness.</summary>
internal static class BenchmarkConfig
{
    /// <summary>
    /// Full: BenchmarkDotNet's default job (a process per benchmark, pilot and auto iteration count, capped), unrolled
    /// once since every invocation already does thousands of operations. Quick: in process, six warm-up and three
    /// 100 ms iterations per benchmark (the warm-up lets tiered compilation reach the library's hot code; see
    /// <c>Program</c>), so all workloads finish in about a minute on 2 cores; its numbers are rough.
    /// </summary>
    public static IConfig Create(bool quick)
    {
        Job job = quick
            ? Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(6)
                .WithIterationCount(3)
                .WithIterationTime(TimeInterval.FromMilliseconds(100))
                .WithUnrollFactor(1)
                .WithEvaluateOverhead(false)
                .WithId("Quick")
            : Job.Default
                .WithUnrollFactor(1)
                .WithMaxIterationCount(40)
                .WithId("Full");

        return DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond));
    }
}
