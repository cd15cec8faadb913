using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoadTests
{
    private const int Producers = 8;
    private const int PostsPerProducer = 250_000;
    private const int TimerTicks = 2_000;
    private const int SleepingTasks = 64;
    private const int SleepsPerTask = 50;

    [Fact]
    public void CallSoonThreadSafeAndPost_8ProducersOf250000WhileTimersAndTasksRun_EachRunsOnceInPerProducerOrder() => Guard.Run(() =>
    {
        // Virtual time that jumps whenever the loop is idle: the timers and sleeps interleave with the flood of posts,
        // and the test never waits on a real clock.
        var log = new StringWriter();
        using var loop = new LoopTaskScheduler(new LoopOptions
        {
            TimeProvider = new FakeTimeProvider(),
            AutoAdvance = true,
            Log = log,
            Name = "load",
        });
        var tracker = new ProducerTracker(Producers, PostsPerProducer);
        int loopThread = Environment.CurrentManagedThreadId;
        Action<object?> onCallback = tracker.OnLoop;
        SendOrPostCallback onPost = tracker.OnLoop;
        var allPosted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tracker.AllArrived = allPosted.SetResult;
        int timerTicks = 0;
        var timersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int sleeps = 0;

        void Tick()
        {
            if (++timerTicks < TimerTicks)
            {
                loop.CallLater(TimeSpan.FromMilliseconds(1 + (timerTicks % 3)), Tick);
            }
            else
            {
                timersDone.SetResult();
            }
        }

        async Task Sleeper(int index)
        {
            for (int i = 0; i < SleepsPerTask; i++)
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds((index + i) % 4));
                Environment.CurrentManagedThreadId.ShouldBe(loopThread);
                sleeps++;
            }
        }

        using var start = new Barrier(Producers + 1);
        var threads = new Thread[Producers];
        var failures = new Exception?[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            threads[p] = OtherThread.Start(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (int sequence = 0; sequence < PostsPerProducer; sequence++)
                    {
                        object state = ProducerTracker.Encode(producer, sequence);

                        // Both doors, alternating, on one FIFO per producer.
                        if ((sequence & 1) == 0)
                        {
                            loop.CallSoonThreadSafe(onCallback, state);
                        }
                        else
                        {
                            loop.SynchronizationContext.Post(onPost, state);
                        }
                    }
                }
                catch (Exception exception)
                {
                    failures[producer] = exception;
                    loop.CallSoonThreadSafe(() => allPosted.TrySetException(exception));
                }
            });
        }

        loop.RunUntilComplete(async () =>
        {
            loop.CallLater(TimeSpan.FromMilliseconds(1), Tick);
            var sleepers = new Task[SleepingTasks];
            for (int i = 0; i < SleepingTasks; i++)
            {
                int index = i;
                sleepers[i] = loop.CreateTask(() => Sleeper(index));
            }

            start.SignalAndWait();
            await Task.WhenAll(allPosted.Task, timersDone.Task, AsyncIO.Gather(sleepers));
        });

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        failures.ShouldAllBe(f => f == null);
        tracker.FirstViolation.ShouldBeNull();
        tracker.Next.ShouldAllBe(n => n == PostsPerProducer);
        tracker.Count.ShouldBe(Producers * PostsPerProducer);
        tracker.WrongThread.ShouldBe(0);
        timerTicks.ShouldBe(TimerTicks);
        sleeps.ShouldBe(SleepingTasks * SleepsPerTask);
        log.ToString().ShouldBeEmpty();
    });

    /// <summary>Checks on the loop thread that each producer's posts arrive once each, in order.</summary>
    private sealed class ProducerTracker(int producers, int postsPerProducer)
    {
        private readonly int _loopThread = Environment.CurrentManagedThreadId;

        /// <summary>The sequence number expected next from each producer.</summary>
        public int[] Next { get; } = new int[producers];

        public int Count { get; private set; }

        public int WrongThread { get; private set; }

        public string? FirstViolation { get; private set; }

        public Action? AllArrived { get; set; }

        public static object Encode(int producer, int sequence) => ((long)producer << 32) | (uint)sequence;

        public void OnLoop(object? state)
        {
            long value = (long)state!;
            int producer = (int)(value >> 32);
            int sequence = (int)value;
            if (sequence != Next[producer] && FirstViolation is null)
            {
                FirstViolation = $"producer {producer}: got #{sequence}, expected #{Next[producer]} (after {Count} callbacks)";
            }

            Next[producer] = sequence + 1;
            if (Environment.CurrentManagedThreadId != _loopThread)
            {
                WrongThread++;
            }

            if (++Count == producers * postsPerProducer)
            {
                AllArrived?.Invoke();
            }
        }
    }
}
