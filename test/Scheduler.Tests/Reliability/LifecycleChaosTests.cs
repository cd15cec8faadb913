using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// <c>Stop</c>, <c>Close</c> and <c>Dispose</c> at seeded random points, from inside callbacks and from other threads:
/// the loop never hangs (the guard), never runs a callback twice (each one counts its runs), a <c>Close</c> while running
/// throws and changes nothing, and a closed loop refuses new work. A failure names its seed; set
/// <see cref="Seeds.Variable"/> to replay it.
/// </summary>
public class LifecycleChaosTests
{
    [Fact]
    public void StopCloseDispose_FromInsideCallbacksAtRandomPoints_NoHangNoDoubleRunNothingLost() => Guard.Run(() =>
    {
        // Single-threaded and seeded: the same seeds make the same runs, so the test can check what it covered.
        int closedEarly = 0;
        int refusedCloses = 0;
        int seeds = Seeds.ForEach(first: 1, count: 200, seed =>
        {
            var rng = new Random(seed);
            var log = new StringWriter();
            var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = new FakeTimeProvider(), AutoAdvance = true, Log = log });
            var work = new InsideWork(loop, rng);
            work.Start();

            bool closed = false;
            for (int run = 0; run < 10_000 && !work.AllDone; run++)
            {
                // Runs until a callback stops it: at random, or the last piece of work when everything is done.
                loop.RunForever();
                loop.IsRunning.ShouldBeFalse();
                if (!work.AllDone && rng.Next(40) == 0)
                {
                    loop.Close();
                    closed = true;
                    closedEarly++;
                    break;
                }
            }

            work.FailedCloses.ShouldAllBe(e => e is InvalidOperationException);
            refusedCloses += work.FailedCloses.Count;
            work.Runs.ShouldAllBe(r => r <= 1, $"a callback ran twice: #{Array.FindIndex(work.Runs, r => r > 1)}");
            if (!closed)
            {
                work.AllDone.ShouldBeTrue();
                work.Runs.Take(work.Scheduled).ShouldAllBe(r => r == 1, "scheduled work never ran");
                loop.Close();
            }

            int ranBeforeClose = work.Runs.Sum();
            ShouldRefuseNewWork(loop, log);
            work.Runs.Sum().ShouldBe(ranBeforeClose);
        });

        if (seeds > 1)
        {
            closedEarly.ShouldBeInRange(1, seeds - 1);
            refusedCloses.ShouldBeGreaterThan(seeds);
        }
    });

    [Fact]
    public void StopCloseDispose_FromOtherThreadsAtRandomPoints_NoHangNoDoubleRunClosedRefusesWork() => Guard.Run(() =>
        Seeds.ForEach(first: 1, count: 60, seed =>
        {
            var rng = new Random(seed);
            var log = new StringWriter();
            var loop = new LoopTaskScheduler(new LoopOptions { TimeProvider = new FakeTimeProvider(), AutoAdvance = true, Log = log });
            const int Posts = 1_500;
            int[] runs = new int[Posts * 2];
            var accepted = new bool[Posts * 2];
            int closedAt = -1;
            using var quit = new ManualResetEventSlim();
            var controllerErrors = new List<Exception>();

            void Run(object? state) => Interlocked.Increment(ref runs[(int)state!]);
            Task ticker = loop.CreateTask(async () =>
            {
                while (true)
                {
                    await AsyncIO.Sleep(TimeSpan.FromMilliseconds(1));
                }
            });

            // Other threads post, stop, close and dispose at random moments, from the loop's first iteration on.
            int posterSeed = rng.Next();
            int controllerSeed = rng.Next();
            Thread? poster = null;
            Thread? controller = null;
            using var started = new ManualResetEventSlim();
            loop.CallSoon(() =>
            {
                poster = OtherThread.Start(() => Post(new Random(posterSeed), 0));
                controller = OtherThread.Start(() =>
                {
                    try
                    {
                        Post(new Random(controllerSeed), Posts);
                    }
                    catch (Exception exception)
                    {
                        lock (controllerErrors)
                        {
                            controllerErrors.Add(exception);
                        }
                    }
                });
                started.Set();
            });

            void Post(Random random, int offset)
            {
                for (int i = 0; i < Posts; i++)
                {
                    int id = offset + i;
                    SpinFor(random.Next(200));
                    int action = random.Next(100);
                    if (offset != 0 && action < 4)
                    {
                        loop.Stop();
                    }
                    else if (offset != 0 && action < 7)
                    {
                        // Close and Dispose from another thread: they throw while the loop runs, else they close it.
                        try
                        {
                            if (action == 5)
                            {
                                loop.Dispose();
                            }
                            else
                            {
                                loop.Close();
                            }

                            Interlocked.CompareExchange(ref closedAt, id, -1);
                        }
                        catch (InvalidOperationException)
                        {
                            // Running: nothing changed.
                        }
                    }

                    try
                    {
                        if ((id & 1) == 0)
                        {
                            loop.CallSoonThreadSafe(Run, id);
                            accepted[id] = true;
                        }
                        else
                        {
                            // Post never throws: after close it logs the drop, so it may or may not have been taken.
                            loop.SynchronizationContext.Post(Run, id);
                            accepted[id] = true;
                        }
                    }
                    catch (InvalidOperationException exception)
                    {
                        loop.IsClosed.ShouldBeTrue($"post #{id} refused by an open loop: {exception.Message}");
                    }
                }
            }

            Thread stopper = OtherThread.Start(() =>
            {
                started.Wait();
                poster!.Join();
                controller!.Join();
                quit.Set();
                loop.Stop();
            });

            // The owner: run, and after each stop run again, until told to quit or the loop is closed under it.
            for (int round = 0; !quit.IsSet; round++)
            {
                try
                {
                    if (round % 2 == 0)
                    {
                        loop.RunForever();
                    }
                    else
                    {
                        loop.RunUntilComplete(ticker);
                    }
                }
                catch (InvalidOperationException exception) when (exception.Message.Contains("closed", StringComparison.Ordinal))
                {
                    break;
                }
                catch (InvalidOperationException exception) when (exception.Message.Contains("stopped before", StringComparison.Ordinal))
                {
                    // RunUntilComplete ended by a Stop: run again.
                }

                // Now and then linger between runs, so that a Close from another thread can find the loop stopped.
                if (rng.Next(8) == 0)
                {
                    SpinFor(rng.Next(20_000));
                }
            }

            stopper.Join();
            controllerErrors.ShouldBeEmpty();
            if (!loop.IsClosed)
            {
                // Drain: one more iteration takes in everything posted; then nothing accepted may be missing.
                loop.Stop();
                loop.RunForever();
                for (int id = 0; id < runs.Length; id++)
                {
                    runs[id].ShouldBe(accepted[id] ? 1 : 0, $"post #{id} (accepted: {accepted[id]})");
                }

                loop.Close();
            }
            else
            {
                // Closed by another thread between two runs: what was taken ran at most once, what was refused never ran.
                closedAt.ShouldBeGreaterThanOrEqualTo(0);
                for (int id = 0; id < runs.Length; id++)
                {
                    runs[id].ShouldBeLessThanOrEqualTo(accepted[id] ? 1 : 0, $"post #{id} (accepted: {accepted[id]})");
                }
            }

            int ran = runs.Sum();
            ShouldRefuseNewWork(loop, log);
            runs.Sum().ShouldBe(ran);
        }));

    /// <summary>
    /// <c>Dispose</c> from another thread while the owner runs the loop again and again (one iteration per run): each
    /// attempt must either throw (the loop runs) or close a loop that then refuses to run. Never both: a run on a closed
    /// loop, racing with <c>Close</c> clearing the ready queue under it.
    /// </summary>
    [Fact]
    public void Dispose_FromAnotherThreadAsRunsStart_NeverClosesALoopThatRuns() => Guard.Run(() =>
    {
        // Each round is one race; the first violation ends the test. Stopping there matters: once a run and a Close
        // overlap, Close clears the ready queue under the running loop, and a Debug.Assert hit there ends the process.
        const int Rounds = 3_000;
        int ranOnClosedLoop = 0;
        int ranAfterDisposeReturned = 0;
        int firstSeed = 0;
        int seeds = 0;
        var reported = new List<string>();
        for (int seed = 1; seed <= Rounds && firstSeed == 0; seed++)
        {
            seeds++;
            var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
            loop.SetExceptionHandler((_, context) =>
            {
                lock (reported)
                {
                    reported.Add(context.ToString());
                }
            });
            int disposed = 0;
            int spin = new Random(seed).Next(2_000);
            Thread closer = OtherThread.Start(() =>
            {
                Thread.SpinWait(spin);
                while (true)
                {
                    try
                    {
                        loop.Dispose();
                        Volatile.Write(ref disposed, 1);
                        return;
                    }
                    catch (InvalidOperationException)
                    {
                        // Running: try again.
                    }
                }
            });

            while (true)
            {
                try
                {
                    loop.CallSoon(() =>
                    {
                        if (loop.IsClosed)
                        {
                            Interlocked.Increment(ref ranOnClosedLoop);
                        }

                        if (Volatile.Read(ref disposed) == 1)
                        {
                            Interlocked.Increment(ref ranAfterDisposeReturned);
                        }
                    });
                    loop.Stop();
                    loop.RunForever();
                }
                catch (InvalidOperationException exception) when (exception.Message.Contains("closed", StringComparison.Ordinal))
                {
                    break;
                }
            }

            closer.Join();
            if (ranOnClosedLoop > 0 || ranAfterDisposeReturned > 0 || reported.Count > 0)
            {
                firstSeed = seed;
            }
        }

        string summary = $"round {seeds} (spin seed {firstSeed}) of {Rounds}: {ranOnClosedLoop} callback(s) ran in a run of a closed loop, {ranAfterDisposeReturned} after " +
            $"Dispose had returned, {reported.Count} failure(s) reported{(reported.Count > 0 ? ", first: " + reported[0] : string.Empty)}";
        ranOnClosedLoop.ShouldBe(0, summary);
        ranAfterDisposeReturned.ShouldBe(0, summary);
        reported.ShouldBeEmpty(summary);
    });

    [Fact]
    public void CloseAndDispose_FromInsideACallback_ThrowAndChangeNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        var order = new List<string>();
        var refused = new List<Exception?>();
        loop.CallLater(TimeSpan.FromSeconds(1), () => order.Add("timer"));
        loop.CallSoon(() =>
        {
            refused.Add(Record.Exception(loop.Close));
            refused.Add(Record.Exception(loop.Dispose));
            loop.IsClosed.ShouldBeFalse();
            loop.IsRunning.ShouldBeTrue();
            loop.CallSoon(() => order.Add("scheduled after the refused close"));
        });
        loop.CallSoon(() => order.Add("queued behind"));

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        refused.Count.ShouldBe(2);
        refused.ShouldAllBe(e => e is InvalidOperationException);
        order.ShouldBe(["queued behind", "scheduled after the refused close", "timer"]);
    });

    /// <summary>A closed loop refuses every kind of new work with <see cref="InvalidOperationException"/>; <c>Post</c> logs the drop instead.</summary>
    private static void ShouldRefuseNewWork(LoopTaskScheduler loop, StringWriter log)
    {
        loop.IsClosed.ShouldBeTrue();
        var refusals = new Dictionary<string, Action>
        {
            ["CallSoon"] = () => loop.CallSoon(() => throw new ShouldAssertException("ran on a closed loop")),
            ["CallLater"] = () => loop.CallLater(TimeSpan.Zero, () => throw new ShouldAssertException("ran on a closed loop")),
            ["CreateTask"] = () => loop.CreateTask(() => Task.CompletedTask),
            ["RunForever"] = loop.RunForever,
            ["RunUntilComplete"] = () => loop.RunUntilComplete(() => Task.CompletedTask),
        };
        foreach ((string member, Action call) in refusals)
        {
            Should.Throw<InvalidOperationException>(call, member).Message.ShouldContain("closed");
        }

        OtherThread.Capture(() => loop.CallSoonThreadSafe(() => { }))
            .ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("closed");
        OtherThread.Capture(() => loop.SynchronizationContext.Post(_ => { }, null)).ShouldBeNull();
        log.ToString().ShouldContain("dropped");
        loop.Dispose();
        loop.IsClosed.ShouldBeTrue();
    }

    private static void SpinFor(int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            Thread.SpinWait(1);
        }
    }

    /// <summary>
    /// Random work for the inside test: callbacks, timers and tasks that schedule more, and at random stop the loop or
    /// try to close or dispose it from inside. Loop thread only.
    /// </summary>
    private sealed class InsideWork(LoopTaskScheduler loop, Random rng)
    {
        private const int Budget = 400;
        private int _pending;

        public int[] Runs { get; } = new int[Budget];

        public int Scheduled { get; private set; }

        public List<Exception?> FailedCloses { get; } = [];

        public bool AllDone => _pending == 0;

        public void Start()
        {
            for (int i = 0; i < 5; i++)
            {
                ScheduleOne();
            }
        }

        private void ScheduleOne()
        {
            if (Scheduled == Budget)
            {
                return;
            }

            int id = Scheduled++;
            _pending++;
            switch (rng.Next(3))
            {
                case 0:
                    loop.CallSoon(() => Body(id));
                    break;
                case 1:
                    loop.CallLater(TimeSpan.FromMilliseconds(rng.Next(4)), () => Body(id));
                    break;
                default:
                    int sleeps = rng.Next(3);
                    loop.CreateTask(async () =>
                    {
                        for (int s = 0; s < sleeps; s++)
                        {
                            await AsyncIO.Sleep(TimeSpan.FromMilliseconds(rng.Next(3)));
                        }

                        Body(id);
                    });
                    break;
            }
        }

        private void Body(int id)
        {
            Runs[id]++;
            int children = rng.Next(3);
            for (int i = 0; i < children; i++)
            {
                ScheduleOne();
            }

            switch (rng.Next(30))
            {
                case 0:
                    loop.Stop();
                    break;
                case 1:
                    FailedCloses.Add(Record.Exception(loop.Close));
                    FailedCloses[^1].ShouldNotBeNull("Close while running did not throw");
                    break;
                case 2:
                    FailedCloses.Add(Record.Exception(loop.Dispose));
                    FailedCloses[^1].ShouldNotBeNull("Dispose while running did not throw");
                    break;
                case 3:
                    loop.Stop();
                    FailedCloses.Add(Record.Exception(loop.Close));
                    FailedCloses[^1].ShouldNotBeNull("Close after Stop, still running, did not throw");
                    break;
            }

            loop.IsClosed.ShouldBeFalse();
            loop.IsRunning.ShouldBeTrue();
            if (--_pending == 0)
            {
                loop.Stop();
            }
        }
    }
}
