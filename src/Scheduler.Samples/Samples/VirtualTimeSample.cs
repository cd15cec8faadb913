using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace Scheduler.Samples;

/// <summary>
/// Testing with virtual time (docs/testing-with-virtual-time.md): a loop on a <see cref="FakeTimeProvider"/> with
/// <see cref="LoopOptions.AutoAdvance"/> jumps its clock to the next timer whenever it is idle, so code full of
/// timeouts and back-offs runs at once, and every timestamp on the loop's clock is exact.
/// </summary>
internal static class VirtualTimeSample
{
    public static void Run()
    {
        var realTime = Stopwatch.StartNew();
        AsyncIO.Run(MainAsync, new LoopOptions { TimeProvider = new FakeTimeProvider(), AutoAdvance = true });
        Console.WriteLine($"all of it took {realTime.ElapsedMilliseconds} ms of real time");
    }

    private static async Task MainAsync()
    {
        LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
        TimeSpan start = loop.Time();
        string Elapsed()
        {
            TimeSpan elapsed = loop.Time() - start;
            return string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours:00}:{elapsed:mm\\:ss\\.fff}");
        }

        // An hour of sleeping: the idle loop moves its clock straight to the timer.
        await AsyncIO.Sleep(TimeSpan.FromHours(1));
        Console.WriteLine($"[{Elapsed()}] slept an hour");

        // A retry with exponential back-off: the attempts come at exactly 1, 3, 7 and 15 s after the first.
        int attempts = 0;
        int value = await RetryAsync(
            () =>
            {
                attempts++;
                Console.WriteLine($"[{Elapsed()}] attempt {attempts}");
                return attempts < 5 ? throw new InvalidOperationException("not yet") : 42;
            },
            TimeSpan.FromSeconds(1));
        Console.WriteLine($"[{Elapsed()}] got {value}");

        // A timeout: WaitFor cancels the slow task at exactly 30 s and throws TimeoutException.
        Task slow = loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromMinutes(5)).AsTask(), "slow");
        try
        {
            await slow.WaitFor(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Console.WriteLine($"[{Elapsed()}] WaitFor timed out; the slow task is {slow.Status}");
        }

        // Proving that something does not happen: wait a virtual day with AsyncIO.Wait, which never throws.
        Task never = loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromDays(365)).AsTask(), "never");
        var (done, pending) = await AsyncIO.Wait([never], timeout: TimeSpan.FromDays(1));
        Console.WriteLine($"[{Elapsed()}] after a day: {done.Count} done, {pending.Count} pending");
        never.Cancel();
    }

    private static async Task<T> RetryAsync<T>(Func<T> attempt, TimeSpan firstDelay)
    {
        for (TimeSpan delay = firstDelay; ; delay += delay)
        {
            try
            {
                return attempt();
            }
            catch (InvalidOperationException)
            {
                await AsyncIO.Sleep(delay);
            }
        }
    }
}
