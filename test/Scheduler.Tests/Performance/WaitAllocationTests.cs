using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Waiting allocates nothing in steady state: two tasks hand the turn back and forth through each primitive and queue,
/// every hand-off a real suspension (pooled waiter, wake-up, resumption). W4's ping-pong, counted in bytes.
/// </summary>
[Collection(MeterCollection.Name)]
public class WaitAllocationTests
{
    private const int WarmUp = 1_000;
    private const int RoundTrips = 10_000;
    private const int Total = WarmUp + RoundTrips;

    /// <summary>An object with one reference field: its header (two words) and the field.</summary>
    private static readonly long s_releaserBytes = 3 * IntPtr.Size;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoopEvent_PingPong_AllocatesNothingPerRoundTrip(bool withToken) => ZeroPerRoundTrip(meter =>
    {
        // A token that can fire is registered for every wait: its registration must not allocate either.
        var cancellation = new CancellationTokenSource();
        CancellationToken cancellationToken = withToken ? cancellation.Token : default;
        var toPong = new LoopEvent();
        var toPing = new LoopEvent();
        int token = 0;

        async Task PingAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i);
                token = i;
                toPong.Set();
                await toPing.WaitAsync(cancellationToken);
                toPing.Clear();
                Expect(token, i + 1);
            }

            meter.End();
        }

        async Task PongAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                await toPong.WaitAsync(cancellationToken);
                toPong.Clear();
                token++;
                toPing.Set();
            }
        }

        async Task RunAsync()
        {
            using (cancellation)
            {
                await Task.WhenAll(PingAsync(), PongAsync());
            }
        }

        return RunAsync();
    });

    public static TheoryData<string> QueueKinds() => new() { "fifo", "lifo", "priority" };

    [Theory]
    [MemberData(nameof(QueueKinds))]
    public void BoundedQueue_PingPong_AllocatesNothingPerRoundTrip(string kind) => ZeroPerRoundTrip(meter =>
    {
        LoopQueue<int> toPong = NewQueue(kind);
        LoopQueue<int> toPing = NewQueue(kind);

        async Task PingAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i);
                await toPong.PutAsync(i);
                Expect(await toPing.GetAsync(), i + 1);
            }

            meter.End();
        }

        async Task PongAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                int value = await toPong.GetAsync();
                await toPing.PutAsync(value + 1);
            }
        }

        return Task.WhenAll(PingAsync(), PongAsync());
    });

    [Fact]
    public void LoopQueue_FullQueue_PutWaitsAndAllocatesNothing() => ZeroPerRoundTrip(meter =>
    {
        // The producer runs ahead and waits in PutAsync on the full queue; the consumer frees a place each turn.
        var queue = new LoopQueue<int>(maxSize: 1);

        async Task ProduceAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i);
                await queue.PutAsync(i);
            }

            meter.End();
        }

        async Task ConsumeAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                Expect(await queue.GetAsync(), i);
                await Task.Yield();
            }
        }

        return Task.WhenAll(ProduceAsync(), ConsumeAsync());
    });

    public static TheoryData<string> AcquirableKinds() => new() { "lock", "semaphore", "bounded semaphore", "condition's lock" };

    [Theory]
    [MemberData(nameof(AcquirableKinds))]
    public void Contended_AcquireAsyncAndRelease_AllocateNothing(string kind) => ZeroPerRoundTrip(meter =>
    {
        // Each task holds the gate across a yield, so every acquire but the first waits for the other's release.
        (Func<ValueTask> acquire, Action release) = NewGate(kind);
        var inside = new Inside();

        async Task TakeTurnsAsync(bool measures)
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i, measures);
                await acquire();
                inside.Enter();
                await Task.Yield();
                inside.Leave();
                release();
            }

            meter.End(measures);
        }

        return Task.WhenAll(TakeTurnsAsync(measures: true), TakeTurnsAsync(measures: false));
    });

    [Fact]
    public void AwaitForeach_OverABoundedQueue_AllocatesNothingPerItem() => ZeroPerRoundTrip(meter =>
    {
        // The consumer waits for every item (the producer yields between puts); the enumerator is made once, before.
        var queue = new LoopQueue<int>(maxSize: 1);

        async Task ProduceAsync()
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i);
                await queue.PutAsync(i);
                await Task.Yield();
            }

            meter.End();
            queue.Shutdown();
        }

        async Task ConsumeAsync()
        {
            int expected = 0;
            await foreach (int item in queue)
            {
                Expect(item, expected++);
            }

            Expect(expected, Total);
        }

        return Task.WhenAll(ProduceAsync(), ConsumeAsync());
    });

    [Fact]
    public void LoopLock_Contended_LockAsyncAllocatesNothing() =>
        ZeroPerRoundTrip(TurnsUnderLockAsync(static () => new LoopLock(), static gate => gate.LockAsync()));

    [Fact]
    public void LoopSemaphore_Contended_LockAsyncAllocatesOnlyItsReleaser() => Guard.Run(() =>
    {
        // The releaser is an object (disposing it twice returns one permit); the wait itself allocates nothing. Two
        // LockAsync calls per round trip, one per task.
        long bound = 2 * s_releaserBytes * RoundTrips;
        FewestBytes(TurnsUnderLockAsync(static () => new LoopSemaphore(1), static gate => gate.LockAsync()), enough: bound)
            .ShouldBeLessThanOrEqualTo(bound);
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoopCondition_TakingTurns_AllocatesNothingPerWait(bool withWaitFor) => ZeroPerRoundTrip(meter =>
    {
        // Each task waits for its turn under the lock: every round trip is two waits, each a notification and the
        // lock taken back; through WaitAsync in a loop, or through WaitForAsync and its predicate.
        var condition = new LoopCondition();
        int turn = 0;

        async Task TakeTurnsAsync(int me)
        {
            bool measures = me == 0;
            Func<bool> myTurn = () => turn == me;
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i, measures);
                await condition.AcquireAsync();
                if (withWaitFor)
                {
                    await condition.WaitForAsync(myTurn);
                }
                else
                {
                    while (!myTurn())
                    {
                        await condition.WaitAsync();
                    }
                }

                turn = 1 - me;
                condition.Notify();
                condition.Release();
            }

            meter.End(measures);
        }

        return Task.WhenAll(TakeTurnsAsync(0), TakeTurnsAsync(1));
    });

    [Fact]
    public void LoopBarrier_TwoParties_AllocatesNothingPerPhase() => ZeroPerRoundTrip(meter =>
    {
        var barrier = new LoopBarrier(2);
        int arrivals = 0;

        async Task PassAsync(bool measures)
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i, measures);
                int index = await barrier.WaitAsync();
                arrivals += index;
            }

            meter.End(measures);
        }

        async Task RunAsync()
        {
            await Task.WhenAll(PassAsync(measures: true), PassAsync(measures: false));

            // Each phase hands out the arrival indexes 0 and 1 once.
            Expect(arrivals, Total);
        }

        return RunAsync();
    });

    /// <summary>Two tasks take turns in <c>using (await gate.LockAsync())</c>, holding it across a yield.</summary>
    private static Func<Meter, Task> TurnsUnderLockAsync<TGate, TReleaser>(Func<TGate> create, Func<TGate, ValueTask<TReleaser>> lockAsync)
        where TReleaser : IDisposable => meter =>
    {
        TGate gate = create();
        var inside = new Inside();

        async Task TakeTurnsAsync(bool measures)
        {
            for (int i = 0; i < Total; i++)
            {
                meter.Round(i, measures);
                using (await lockAsync(gate))
                {
                    inside.Enter();
                    await Task.Yield();
                    inside.Leave();
                }
            }

            meter.End(measures);
        }

        return Task.WhenAll(TakeTurnsAsync(measures: true), TakeTurnsAsync(measures: false));
    };

    private static (Func<ValueTask> Acquire, Action Release) NewGate(string kind)
    {
        switch (kind)
        {
            case "lock":
                var gate = new LoopLock();
                return (() => gate.AcquireAsync(), gate.Release);
            case "semaphore":
                var semaphore = new LoopSemaphore(1);
                return (() => semaphore.AcquireAsync(), semaphore.Release);
            case "bounded semaphore":
                var bounded = new LoopBoundedSemaphore(1);
                return (() => bounded.AcquireAsync(), bounded.Release);
            default:
                var condition = new LoopCondition();
                return (() => condition.AcquireAsync(), condition.Release);
        }
    }

    private static LoopQueue<int> NewQueue(string kind) => kind switch
    {
        "fifo" => new LoopQueue<int>(maxSize: 1),
        "lifo" => new LoopLifoQueue<int>(maxSize: 1),
        _ => new LoopPriorityQueue<int>(maxSize: 1),
    };

    /// <summary>Checks a value inside a measured loop without allocating (the message is made only on failure).</summary>
    private static void Expect(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"Expected {expected}, got {actual}.");
        }
    }

    /// <summary>
    /// Runs the scenario on a fresh loop; the bytes the loop thread allocated over the last <see cref="RoundTrips"/>
    /// round trips (both tasks, the loop, the primitive) must be 0 in one of three tries.
    /// </summary>
    private static void ZeroPerRoundTrip(Func<Meter, Task> scenario) =>
        Guard.Run(() => FewestBytes(scenario, enough: 0).ShouldBe(0, "the path allocated in each of 3 tries"));

    /// <summary>The fewest bytes the scenario allocated over its measured round trips in up to three runs (a run that
    /// measures <paramref name="enough"/> or less ends the tries: the runtime's one-off work may land in any one).</summary>
    private static long FewestBytes(Func<Meter, Task> scenario, long enough)
    {
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && fewest > enough; attempt++)
        {
            var meter = new Meter();
            AsyncIO.Run(() => scenario(meter));
            meter.Measured.ShouldBeTrue("the measuring task must have run every round trip");
            fewest = Math.Min(fewest, meter.Bytes);
        }

        return fewest;
    }

    /// <summary>Reads the thread's allocation counter when the measuring task starts round trip <see cref="WarmUp"/> and when it ends.</summary>
    private sealed class Meter
    {
        private long _start;

        public long Bytes { get; private set; }

        public bool Measured { get; private set; }

        public void Round(int i, bool measures = true)
        {
            if (measures && i == WarmUp)
            {
                _start = GC.GetAllocatedBytesForCurrentThread();
            }
        }

        public void End(bool measures = true)
        {
            if (measures)
            {
                Bytes = GC.GetAllocatedBytesForCurrentThread() - _start;
                Measured = true;
            }
        }
    }

    /// <summary>Fails if two tasks are ever inside together.</summary>
    private sealed class Inside
    {
        private bool _occupied;

        public void Enter()
        {
            if (_occupied)
            {
                throw new InvalidOperationException("Two tasks were inside at once.");
            }

            _occupied = true;
        }

        public void Leave() => _occupied = false;
    }
}
