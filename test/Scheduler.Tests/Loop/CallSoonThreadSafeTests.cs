using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class CallSoonThreadSafeTests
{
    [Fact]
    public void CallSoonThreadSafe_FourThreadsOf100000Posts_NoneLostEachThreadInFifoOrder() => Guard.Run(() =>
    {
        const int Threads = 4;
        const int PostsPerThread = 100_000;
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        int loopThread = Environment.CurrentManagedThreadId;

        // Touched by the loop thread only.
        int count = 0;
        int doneMarkers = 0;
        int outOfOrder = 0;
        int wrongThread = 0;
        var last = Enumerable.Repeat(-1, Threads).ToArray();

        Action<object?> onPost = state =>
        {
            long value = (long)state!;
            int thread = (int)(value / PostsPerThread);
            int sequence = (int)(value % PostsPerThread);
            if (sequence != last[thread] + 1)
            {
                outOfOrder++;
            }

            last[thread] = sequence;
            count++;
            if (Environment.CurrentManagedThreadId != loopThread)
            {
                wrongThread++;
            }
        };

        using var start = new Barrier(Threads);
        var producers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            producers[t] = OtherThread.Start(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PostsPerThread; i++)
                {
                    loop.CallSoonThreadSafe(onPost, (long)((thread * PostsPerThread) + i));
                }

                // Behind all of this thread's posts (per-thread FIFO): the loop stops once every thread is done.
                loop.CallSoonThreadSafe(() =>
                {
                    if (++doneMarkers == Threads)
                    {
                        loop.Stop();
                    }
                });
            });
        }

        loop.RunForever();
        foreach (Thread producer in producers)
        {
            producer.Join();
        }

        count.ShouldBe(Threads * PostsPerThread);
        outOfOrder.ShouldBe(0);
        wrongThread.ShouldBe(0);
        last.ShouldAllBe(l => l == PostsPerThread - 1);
    });

    [Fact]
    public void CallSoonThreadSafe_BurstsFromTwoThreadsIntoAnIdleLoop_NoneStranded() => Guard.Run(() =>
    {
        // Each producer posts a burst, then waits until the loop has run all of it before the next one, so the loop
        // keeps going idle between bursts while the other producer may be posting. A callback left behind when the
        // loop goes idle would never run: the acknowledgement would not come.
        const int Rounds = 200;
        const int Burst = 50;
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        int finished = 0;
        int stranded = 0;
        var producers = new Thread[2];
        for (int p = 0; p < producers.Length; p++)
        {
            producers[p] = OtherThread.Start(() =>
            {
                using var acknowledged = new ManualResetEventSlim();
                for (int round = 0; round < Rounds; round++)
                {
                    acknowledged.Reset();
                    int remaining = Burst;
                    for (int i = 0; i < Burst; i++)
                    {
                        loop.CallSoonThreadSafe(() =>
                        {
                            if (--remaining == 0)
                            {
                                acknowledged.Set();
                            }
                        });
                    }

                    // A failure timeout, not an ordering delay: a stranded callback would leave us here forever.
                    if (!acknowledged.Wait(TimeSpan.FromSeconds(5)))
                    {
                        Interlocked.Increment(ref stranded);
                        break;
                    }
                }

                loop.CallSoonThreadSafe(() =>
                {
                    if (++finished == 2)
                    {
                        loop.Stop();
                    }
                });
            });
        }

        loop.RunForever();
        foreach (Thread producer in producers)
        {
            producer.Join();
        }

        stranded.ShouldBe(0);
    });

    [Fact]
    public void CallSoonThreadSafe_IdleLoopBlockedInRunForever_WakesIt() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new System.IO.StringWriter() });
        Thread loopThread = Thread.CurrentThread;
        int ranOn = 0;
        Thread poster = OtherThread.Start(() =>
        {
            OtherThread.WaitUntilBlocked(loopThread);
            loop.CallSoonThreadSafe(() =>
            {
                ranOn = Environment.CurrentManagedThreadId;
                loop.Stop();
            });
        });

        loop.RunForever();
        poster.Join();

        ranOn.ShouldBe(loopThread.ManagedThreadId);
    });

    [Fact]
    public void CallSoonThreadSafe_LoopAsleepUntilAFarTimer_WakesItBeforeTheTimer() => Guard.Run(() =>
    {
        var clock = new SleepSignalingClock();
        using var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = clock, Log = new System.IO.StringWriter() });
        using var asleep = new ManualResetEventSlim();
        clock.OnArmed = _ => asleep.Set();
        var ran = new List<string>();
        loop.CallLater(TimeSpan.FromHours(1), () => ran.Add("timer"));
        Thread poster = OtherThread.Start(() =>
        {
            asleep.Wait();
            loop.CallSoonThreadSafe(state =>
            {
                ran.Add((string)state!);
                loop.Stop();
            }, "posted");
        });

        loop.RunForever();
        poster.Join();

        ran.ShouldBe(["posted"]);
    });

    [Fact]
    public void CallSoonThreadSafe_OnLoopThreadWhileRunning_KeepsOneFifoOrderWithCallSoon() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            loop.CallSoon(() => ran.Add("soon 1"));
            loop.CallSoonThreadSafe(() => ran.Add("threadsafe 2"));
            loop.CallSoon(state => ran.Add((string)state!), "soon 3");
            loop.CallSoonThreadSafe(state => ran.Add((string)state!), "threadsafe 4");
            loop.CallSoonThreadSafe(() => ran.Add("threadsafe 5"));
            loop.CallSoon(() => ran.Add("soon 6"));
        });

        test.RunUntilIdle();

        ran.ShouldBe(["soon 1", "threadsafe 2", "soon 3", "threadsafe 4", "threadsafe 5", "soon 6"]);
    });

    [Fact]
    public void CallSoonThreadSafe_BeforeLoopRuns_KeepsOneFifoOrderWithCallSoon() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoonThreadSafe(() => ran.Add("threadsafe 1"));
        loop.CallSoon(() => ran.Add("soon 2"));
        loop.CallSoonThreadSafe(state => ran.Add((string)state!), "threadsafe 3");
        loop.CallSoon(state => ran.Add((string)state!), "soon 4");
        loop.CallSoon(() => ran.Add("soon 5"));
        loop.CallSoonThreadSafe(() => ran.Add("threadsafe 6"));

        test.RunUntilIdle();

        ran.ShouldBe(["threadsafe 1", "soon 2", "threadsafe 3", "soon 4", "soon 5", "threadsafe 6"]);
    });

    [Fact]
    public void CallSoonThreadSafe_BetweenRunsOnOwnerThread_KeepsFifoWithLeftoversOfPreviousRun() => Guard.Run(() =>
    {
        // The first run leaves "left over" queued (scheduled in its last iteration); what the owner thread queues
        // before the next run comes after it, CallSoon and CallSoonThreadSafe alike.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            loop.CallSoon(() => ran.Add("left over"));
            loop.Stop();
        });
        loop.RunForever();
        ran.ShouldBeEmpty();

        loop.CallSoonThreadSafe(() => ran.Add("threadsafe"));
        loop.CallSoon(() => ran.Add("soon"));
        test.RunUntilIdle();

        ran.ShouldBe(["left over", "threadsafe", "soon"]);
    });

    [Fact]
    public void CallSoonThreadSafe_FromOneOtherThread_RunsInPostingOrderOnLoopThread() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int loopThread = Environment.CurrentManagedThreadId;
        var ran = new List<int>();
        var threads = new HashSet<int>();
        OtherThread.Run(() =>
        {
            for (int i = 0; i < 500; i++)
            {
                int n = i;
                test.Loop.CallSoonThreadSafe(() =>
                {
                    ran.Add(n);
                    threads.Add(Environment.CurrentManagedThreadId);
                });
            }

            return 0;
        });

        test.RunUntilIdle();

        ran.ShouldBe(Enumerable.Range(0, 500));
        threads.ShouldBe([loopThread]);
    });

    [Fact]
    public void CallSoonThreadSafe_FromOtherThreadDuringIteration_RunsInNextIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var ran = new List<string>();
        loop.CallSoon(() =>
        {
            ran.Add("a");
            OtherThread.Run(() => loop.CallSoonThreadSafe(() => ran.Add("posted")));
            loop.Stop();
        });
        loop.CallSoon(() => ran.Add("b"));

        loop.RunForever();
        ran.ShouldBe(["a", "b"]);

        loop.Stop();
        loop.RunForever();
        ran.ShouldBe(["a", "b", "posted"]);
    });

    [Fact]
    public void CallSoonThreadSafe_CancelledBeforeTheLoopRuns_NeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ran = new List<string>();
        LoopHandle handle = OtherThread.Run(() => test.Loop.CallSoonThreadSafe(() => ran.Add("cancelled")));
        test.Loop.CallSoonThreadSafe(() => ran.Add("kept"));

        handle.Cancel();
        handle.IsCancelled.ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBe(["kept"]);
    });

    [Fact]
    public void CallSoonThreadSafe_OnClosedLoop_Throws() => Guard.Run(() =>
    {
        var test = new TestLoop();
        test.Dispose();

        Should.Throw<InvalidOperationException>(() => { test.Loop.CallSoonThreadSafe(() => { }); }).Message.ShouldContain("closed");
        Should.Throw<InvalidOperationException>(() => { test.Loop.CallSoonThreadSafe(_ => { }, null); }).Message.ShouldContain("closed");
        OtherThread.Capture(() => test.Loop.CallSoonThreadSafe(() => { }))
            .ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("closed");
    });
}
