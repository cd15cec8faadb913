using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Long chains of work that completes synchronously must not overflow the loop thread's stack: a stack overflow
/// kills the test process, so these tests would crash the suite rather than fail.
/// </summary>
/// <remarks>
/// The guard runs each test on a thread with the runtime's default stack (1.5 MB on Linux x64). One shape cannot be made
/// safe by any loop: <c>await</c> of an async method that completes synchronously is a plain call, so N nested levels are
/// N frames deep before anything awaits. Measured on .NET 10 (Linux x64, default 1.5 MB thread): a chain of
/// <c>async Task&lt;int&gt; Nest(n) =&gt; await Nest(n - 1) + 1</c> overflows at about 26,000 levels in Debug and
/// 37,000 in Release, with or without a loop; 100,000 levels need a bigger stack, as
/// <see cref="NestedSyncAwaits_100000LevelsOnA256MBStackThread_Completes"/> shows.
/// </remarks>
public class DeepChainTests
{
    private const int Depth = 100_000;

    [Fact]
    public void Await_100000AlreadyCompletedAwaitsInOneMethod_CompletesOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;

        long sum = loop.RunUntilComplete(async () =>
        {
            Task<int> done = loop.CreateTask(() => Task.FromResult(1));
            await done;
            var gate = new LoopEvent();
            gate.Set();
            var queue = new LoopQueue<int>();
            var mutex = new LoopLock();
            long total = 0;
            for (int i = 0; i < Depth; i++)
            {
                await Task.CompletedTask;
                total += await Task.FromResult(1);
                total += await new ValueTask<int>(1);
                total += await done;
                await gate.WaitAsync();
                queue.TryPut(1).ShouldBeTrue();
                total += await queue.GetAsync();
                await mutex.AcquireAsync();
                mutex.Release();
            }

            return total;
        });

        sum.ShouldBe(4L * Depth);
    });

    [Fact]
    public void ContinueWith_ChainOf100000OnTheLoop_RunsEachOnceInOrder() => Guard.Run(() =>
        RunContinueWithChain(TaskContinuationOptions.None));

    [Fact]
    public void ContinueWith_ChainOf100000ExecuteSynchronouslyOnTheLoop_RunsEachOnceInOrderWithoutOverflow() => Guard.Run(() =>
        RunContinueWithChain(TaskContinuationOptions.ExecuteSynchronously));

    [Fact]
    public void ContinueWith_100000EachCreatedInsideThePreviousOnACompletedTask_RunsWithoutOverflow() => Guard.Run(() =>
    {
        // Each continuation, as it runs, attaches the next to its already completed antecedent: with ExecuteSynchronously
        // the TPL runs that one inline, so the chain recurses until the TPL's stack probe makes it queue to the loop.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int ran = 0;
        var done = new TaskCompletionSource();

        void Link(Task antecedent) => antecedent.ContinueWith(
            previous =>
            {
                ran++;
                if (ran < Depth)
                {
                    Link(previous);
                }
                else
                {
                    done.SetResult();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            loop);

        loop.CallSoon(() => Link(Task.CompletedTask));
        loop.RunUntilComplete(done.Task);

        ran.ShouldBe(Depth);
    });

    [Fact]
    public void AwaitChain_100000MethodsEachAwaitingThePrevious_UnwindsWithoutOverflow() => Guard.Run(() =>
    {
        // Built iteratively, so nothing is deep until the first completes: then each completion resumes the next awaiter
        // inline on the loop's context, and the TPL's stack probe has the rest posted to the loop.
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;

        int last = loop.RunUntilComplete(async () =>
        {
            var first = new TaskCompletionSource<int>();
            Task<int> chain = first.Task;
            for (int i = 0; i < Depth; i++)
            {
                chain = Increment(chain);
            }

            loop.CallSoon(() => first.SetResult(0));
            return await chain;
        });

        last.ShouldBe(Depth);
    });

    [Fact]
    public void NestedSyncAwaits_10000Levels_CompleteOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        test.Loop.RunUntilComplete(() => Nest(10_000)).ShouldBe(10_000);
    });

    [Fact]
    public void NestedSyncAwaits_100000LevelsOnA256MBStackThread_Completes()
    {
        // 100,000 nested synchronous awaits are 100,000 nested calls: C# recursion, beyond a default thread's stack (see
        // the remarks). On a thread with room for them the loop adds nothing that fails.
        int result = 0;
        Exception? error = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    using var test = new TestLoop();
                    result = test.Loop.RunUntilComplete(() => Nest(Depth));
                }
                catch (Exception exception)
                {
                    error = exception;
                }
            },
            maxStackSize: 256 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "deep stack loop",
        };

        thread.Start();
        thread.Join(Guard.UnexpectedTimeout).ShouldBeTrue("deadlock guard");

        error.ShouldBeNull();
        result.ShouldBe(Depth);
    }

    [Fact]
    public void CreateTask_LinkedChainOf10000EachAwaitingThePrevious_CompletesInOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        const int Links = 10_000;
        int finished = 0;

        int last = loop.RunUntilComplete(async () =>
        {
            var first = new TaskCompletionSource<int>();
            Task<int> previous = first.Task;
            for (int i = 0; i < Links; i++)
            {
                Task<int> before = previous;
                int index = i;
                previous = loop.CreateTask(async () =>
                {
                    int value = await before;
                    finished.ShouldBe(index);
                    finished++;
                    return value + 1;
                });
            }

            first.SetResult(0);
            return await previous;
        });

        last.ShouldBe(Links);
        finished.ShouldBe(Links);
    });

    [Fact]
    public void CreateTask_10000NestedEachCreatingAndAwaitingTheNext_Completes() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;

        async Task<int> Level(int n) => n == 0 ? 0 : await loop.CreateTask(() => Level(n - 1)) + 1;

        loop.RunUntilComplete(() => Level(10_000)).ShouldBe(10_000);
    });

    private static void RunContinueWithChain(TaskContinuationOptions options)
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var root = new TaskCompletionSource<int>();
        int next = 0;
        int outOfOrder = 0;
        Task chain = root.Task;
        for (int i = 0; i < Depth; i++)
        {
            int index = i;
            chain = chain.ContinueWith(
                _ =>
                {
                    if (next != index || Environment.CurrentManagedThreadId != loopThread)
                    {
                        outOfOrder++;
                    }

                    next++;
                },
                CancellationToken.None,
                options,
                loop);
        }

        loop.CallSoon(() => root.SetResult(0));
        loop.RunUntilComplete(chain);

        next.ShouldBe(Depth);
        outOfOrder.ShouldBe(0);
    }

    private static async Task<int> Increment(Task<int> previous) => await previous + 1;

    private static async Task<int> Nest(int n) => n == 0 ? 0 : await Nest(n - 1) + 1;
}
