using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Scheduler.Benchmarks.Infrastructure;

namespace Scheduler.Benchmarks.Latency;

/// <summary>
/// W7 idle wake-up, a mode of its own (<c>-- latency</c>) because BenchmarkDotNet reports means and this needs
/// percentiles: a thread posts one callback every ~1 ms (<see cref="Thread.Sleep(int)"/>) to a loop idling on its own
/// thread, and the callback records the time from just before the post to its start. Prints p50, p99, max and mean.
/// </summary>
internal static class IdleWakeUpLatency
{
    private static readonly Action<object?> s_recordAction = static state => ((Recorder)state!).Record();
    private static readonly SendOrPostCallback s_recordPost = static state => ((Recorder)state!).Record();

    public static int Run(bool quick)
    {
        int samples = quick ? 500 : 2000;
        int warmup = quick ? 50 : 200;
        Console.WriteLine($"W7 idle wake-up: {samples} posts, one every ~1 ms, to an idle loop (after {warmup} unrecorded); post-to-run latency in µs.");
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
        Console.WriteLine();
        Console.WriteLine("| peer | p50 µs | p99 µs | max µs | mean µs |");
        Console.WriteLine("| --- | --: | --: | --: | --: |");
        int failures = 0;
        foreach (LatencyTarget target in LatencyTarget.All())
        {
            try
            {
                double[] latencies = Measure(target, warmup, samples);
                Array.Sort(latencies);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {target.Name} | {Percentile(latencies, 0.50):F1} | {Percentile(latencies, 0.99):F1} | {latencies[^1]:F1} | {Mean(latencies):F1} |"));
            }
            catch (Exception exception)
            {
                failures++;
                Console.WriteLine($"| {target.Name} | failed: {exception.GetType().Name}: {exception.Message} | | | |");
            }
        }

        return failures == 0 ? 0 : 1;
    }

    private static double[] Measure(LatencyTarget target, int warmup, int samples)
    {
        var recorder = new Recorder(warmup + samples);
        using (target)
        {
            target.Start(recorder.Probe);
            recorder.Probe.Expect(recorder.Total);
            for (int i = 0; i < recorder.Total; i++)
            {
                // Written before the post; the peer's queue hands it to the loop thread with the callback.
                recorder.PostedAt[i] = Stopwatch.GetTimestamp();
                target.Post(s_recordAction, s_recordPost, recorder);
                Thread.Sleep(1);
            }

            if (!recorder.Probe.Done.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"Only {recorder.Probe.Count} of {recorder.Total} callbacks ran.");
            }

            recorder.Probe.Verify(recorder.Total);
        }

        var latencies = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            latencies[i] = recorder.Latency[warmup + i] * 1_000_000.0 / Stopwatch.Frequency;
        }

        return latencies;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Max((int)Math.Ceiling(p * sorted.Length) - 1, 0)];

    private static double Mean(double[] values)
    {
        double sum = 0;
        foreach (double value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    /// <summary>The posted callbacks' shared state: post times, measured latencies, and the probe that checks them.</summary>
    private sealed class Recorder(int total)
    {
        public int Total { get; } = total;

        public long[] PostedAt { get; } = new long[total];

        public long[] Latency { get; } = new long[total];

        public Probe Probe { get; } = new();

        /// <summary>On the loop: callbacks run in posting order, so the probe's count is this callback's index.</summary>
        public void Record()
        {
            long now = Stopwatch.GetTimestamp();
            int index = Probe.Count;
            Latency[index] = now - PostedAt[index];
            Probe.Hit();
        }
    }
}
