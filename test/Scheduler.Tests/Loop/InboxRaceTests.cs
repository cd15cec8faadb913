using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Posts from other threads racing the loop's sleep and wake-up, its timed waits and its closing: nothing accepted is
/// lost or reordered within a posting thread, and a batch taken from the inbox runs in its place within the iteration.
/// </summary>
public class InboxRaceTests
{
    [Fact]
    public void CallSoonThreadSafe_PostsRacingTimedWaits_NoneLostEachThreadInOrder() => Guard.Run(() =>
    {
        // A chain of 1 ms timers keeps the loop sleeping with a timeout, so posts land before, during and just as a
        // wait times out (when a post has claimed the wake-up and the loop must take it, not lose it or keep it).
        const int Producers = 3;
        const int Bursts = 150;
        const int Burst = 7;
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });

        // Touched by the loop thread only.
        var next = new int[Producers];
        int outOfOrder = 0;
        int finished = 0;
        bool ticking = true;
        Action tick = null!;
        tick = () =>
        {
            if (ticking)
            {
                loop.CallLater(TimeSpan.FromMilliseconds(1), tick);
            }
        };
        loop.CallSoon(tick);

        Action<object?> onPost = state =>
        {
            int value = (int)state!;
            int producer = value / (Bursts * Burst);
            int sequence = value % (Bursts * Burst);
            if (sequence != next[producer])
            {
                outOfOrder++;
            }

            next[producer] = sequence + 1;
        };

        var threads = new Thread[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            threads[p] = OtherThread.Start(() =>
            {
                var random = new Random(producer);
                for (int burst = 0; burst < Bursts; burst++)
                {
                    for (int i = 0; i < Burst; i++)
                    {
                        loop.CallSoonThreadSafe(onPost, (producer * Bursts * Burst) + (burst * Burst) + i);
                    }

                    // Gaps from none to about a timer's period, so the loop is caught awake, falling asleep and asleep.
                    int gap = random.Next(4);
                    if (gap == 1)
                    {
                        Thread.Yield();
                    }
                    else if (gap > 1)
                    {
                        Thread.Sleep(gap - 1);
                    }
                }

                // Behind all of this thread's posts: the loop stops once every producer's last post has run.
                loop.CallSoonThreadSafe(() =>
                {
                    if (++finished == Producers)
                    {
                        ticking = false;
                        loop.Stop();
                    }
                });
            });
        }

        loop.RunForever();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        outOfOrder.ShouldBe(0);
        next.ShouldAllBe(n => n == Bursts * Burst);
    });

    [Fact]
    public void Iteration_QueuedThenPostedThenDueTimers_RunInThatOrder() => Guard.Run(() =>
    {
        // asyncio's order within one iteration: what was ready before the inbox was taken, then what other threads
        // posted, then the timers that fell due. The posted batch runs from the inbox, not from the ready queue.
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            loop.CallLater(TimeSpan.Zero, () => ran.Add("timer"));
            loop.CallSoon(() => ran.Add("queued"));
            OtherThread.Run(() => loop.CallSoonThreadSafe(() => ran.Add("posted 1")));
            OtherThread.Run(() => loop.CallSoonThreadSafe(() => ran.Add("posted 2")));
            loop.CallSoon(() =>
            {
                ran.Add("queued, stops");
                loop.Stop();
            });
        });

        loop.RunForever();

        ran.ShouldBe(["queued", "queued, stops", "posted 1", "posted 2", "timer"]);
    });

    [Fact]
    public void Iteration_PostsThatFilledSeveralRings_AllRunInOneIteration() => Guard.Run(() =>
    {
        // More than the first ring holds, so the inbox moved posters on to larger ones: one iteration still takes all.
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        var ran = new List<int>();
        OtherThread.Run(() =>
        {
            for (int i = 0; i < 3_000; i++)
            {
                loop.CallSoonThreadSafe(state => ran.Add((int)state!), i);
            }

            return 0;
        });

        loop.Stop();
        loop.RunForever();

        ran.Count.ShouldBe(3_000);
        ran.ShouldBeInOrder();
    });

    [Fact]
    public void Iteration_PostedCallbackCancelsALaterOneOfTheSameBatch_ItNeverRuns() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        var ran = new List<string>();
        LoopHandle victim = default;
        OtherThread.Run(() =>
        {
            loop.CallSoonThreadSafe(() =>
            {
                ran.Add("canceller");
                victim.Cancel();
                ran.Add($"cancelled: {victim.IsCancelled}");
            });
            victim = loop.CallSoonThreadSafe(() => ran.Add("victim"));
            return loop.CallSoonThreadSafe(() =>
            {
                ran.Add("last");
                loop.Stop();
            });
        });

        loop.RunForever();

        ran.ShouldBe(["canceller", "cancelled: True", "last"]);
    });

    [Fact]
    public void Close_RacingPostsFromOtherThreads_RunPostsArePrefixesInOrderAndNothingIsAcceptedAfterARefusal() => Guard.Run(() =>
    {
        const int Producers = 3;
        var loopThread = new LoopThread(new LoopOptions { Name = "close race", Log = new System.IO.StringWriter() });
        LoopTaskScheduler loop = loopThread.Loop;

        // ran[p] is touched by the loop thread only, and read after the loop thread has ended.
        var ran = Enumerable.Range(0, Producers).Select(_ => new List<int>()).ToArray();
        var accepted = new int[Producers];
        var acceptedAfterRefusal = new int[Producers];
        using var allPosting = new CountdownEvent(Producers);
        var threads = new Thread[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            threads[p] = OtherThread.Start(() =>
            {
                List<int> mine = ran[producer];
                Action<object?> record = state => mine.Add((int)state!);
                bool refused = false;
                for (int i = 0; !refused; i++)
                {
                    try
                    {
                        loop.CallSoonThreadSafe(record, i);
                        accepted[producer] = i + 1;
                    }
                    catch (InvalidOperationException)
                    {
                        refused = true;
                    }

                    if (i == 1000)
                    {
                        allPosting.Signal();
                    }
                }

                // Once closed, closed for good.
                for (int i = 0; i < 100; i++)
                {
                    try
                    {
                        loop.CallSoonThreadSafe(record, -1);
                        acceptedAfterRefusal[producer]++;
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            });
        }

        allPosting.Wait();
        loopThread.Dispose();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        for (int p = 0; p < Producers; p++)
        {
            acceptedAfterRefusal[p].ShouldBe(0);
            ran[p].Count.ShouldBeLessThanOrEqualTo(accepted[p]);
            ran[p].ShouldBe(Enumerable.Range(0, ran[p].Count), $"producer {p}: what ran is the start of what it posted, in order");
        }

        loop.IsClosed.ShouldBeTrue();
    });
}
