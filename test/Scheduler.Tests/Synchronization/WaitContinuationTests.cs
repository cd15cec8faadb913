using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// What a wait's continuation is run with, whoever registered it: an awaiting method's is queued as it is; one
/// registered under another synchronization context is posted there; one registered with a flowing execution context
/// runs in that context. Each is scheduled, never run inside the waker, and each use of a pooled waiter runs only the
/// continuation registered for it.
/// </summary>
public class WaitContinuationTests
{
    private static readonly AsyncLocal<string?> s_local = new();

    [Fact]
    public void ContinuationRegisteredUnderAnotherSynchronizationContext_IsPostedThere_OnceTheEventIsSet() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string>();
        var ready = new LoopEvent();
        var foreign = new RecordingContext();
        test.Loop.CallSoon(() =>
        {
            SynchronizationContext.SetSynchronizationContext(foreign);
            RegisterUnsafe(ready.WaitAsync(), () => seen.Add($"resumed, posts seen by the other context: {foreign.Posts}"));
        });
        test.RunUntilIdle();

        test.Loop.CallSoon(() =>
        {
            ready.Set();
            seen.Add("set");
        });
        test.RunUntilIdle();

        seen.ShouldBe(["set", "resumed, posts seen by the other context: 1"]);
        SynchronizationContext.Current.ShouldNotBe(foreign);
    });

    [Fact]
    public void ContinuationRegisteredWithFlow_RunsInTheRegisteringContext_NotTheWakersOrTheLoops() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        string? seen = null;
        var ready = new LoopEvent();
        ValueTaskAwaiter awaiter = default;
        s_local.Value = null;
        test.Loop.CallSoon(() => awaiter = Awaiter(ready.WaitAsync()));
        test.RunUntilIdle();

        // Registered between runs, where the loop knows no context to resume it in: only the captured one says where.
        s_local.Value = "registering";
        awaiter.OnCompleted(() => seen = s_local.Value ?? "none");
        s_local.Value = null;

        test.Loop.CallSoon(() =>
        {
            s_local.Value = "waker";
            ready.Set();
            seen.ShouldBeNull("a wake-up is scheduled, never run inside the waker");
        });
        test.RunUntilIdle();

        seen.ShouldBe("registering");
    });

    [Fact]
    public void ReusedWaiter_RunsOnlyTheContinuationOfItsCurrentUse() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<string>();
        var queue = new LoopQueue<int>();
        test.Loop.CallSoon(() => RegisterUnread(queue.GetAsync(), () => seen.Add("first")));
        test.RunUntilIdle();
        test.Loop.CallSoon(() => queue.TryPut(1));
        test.RunUntilIdle();
        seen.ShouldBe(["first"]);

        // The first use's result was never read, so its waiter is not reused; the next get takes one of its own.
        test.Loop.CallSoon(() => ReadWhenDone(queue.GetAsync(), item => seen.Add($"second: {item}")));
        test.RunUntilIdle();
        test.Loop.CallSoon(() => queue.TryPut(2));
        test.RunUntilIdle();

        seen.ShouldBe(["first", "second: 2"]);
    });

    [Fact]
    public void MethodWaitingInALoop_IsResumedOncePerSet_WithTheWaiterItUsedBefore() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var ready = new LoopEvent();
        int resumes = 0;
        Task waiting = null!;
        test.Loop.CallSoon(() => waiting = test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                await ready.WaitAsync();
                ready.Clear();
                resumes++;
            }
        }));
        test.RunUntilIdle();

        for (int round = 1; round <= 3; round++)
        {
            test.Loop.CallSoon(ready.Set);
            test.RunUntilIdle();
            resumes.ShouldBe(round);
        }

        waiting.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void QueueLastEmptiedByItsOnlyWaiter_ServesLaterWaitersFirstInFirstOut_AndSkipsACancelledOne() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var semaphore = new LoopSemaphore(0);
        var order = new List<string>();
        using var cancelC = new CancellationTokenSource();

        async Task Acquire(string name, CancellationToken token = default)
        {
            try
            {
                await semaphore.AcquireAsync(token);
                order.Add(name);
            }
            catch (OperationCanceledException)
            {
                order.Add($"{name} cancelled");
            }
        }

        test.OnLoop(() => _ = Acquire("a"));
        test.OnLoop(semaphore.Release);
        order.ShouldBe(["a"]);

        // The queue is empty again but still names "a" at both ends; the next waiters must not be linked behind it.
        test.OnLoop(() =>
        {
            _ = Acquire("b");
            _ = Acquire("c", cancelC.Token);
            _ = Acquire("d");
        });
        test.OnLoop(cancelC.Cancel);
        test.OnLoop(() =>
        {
            semaphore.Locked.ShouldBeTrue();
            semaphore.Release();
            semaphore.Release();
        });
        test.OnLoop(() => semaphore.Locked.ShouldBeTrue("both permits were handed over and no one waits"));

        order.ShouldBe(["a", "c cancelled", "b", "d"]);
        semaphore.Value.ShouldBe(0);
    });

    private static void RegisterUnsafe(ValueTask wait, Action continuation) => wait.GetAwaiter().UnsafeOnCompleted(continuation);

    private static ValueTaskAwaiter Awaiter(ValueTask wait) => wait.GetAwaiter();

    private static void RegisterUnread(ValueTask<int> wait, Action continuation) => wait.GetAwaiter().UnsafeOnCompleted(continuation);

    private static void ReadWhenDone(ValueTask<int> wait, Action<int> continuation)
    {
        ValueTaskAwaiter<int> awaiter = wait.GetAwaiter();
        awaiter.UnsafeOnCompleted(() => continuation(awaiter.GetResult()));
    }

    /// <summary>A context that counts the posts it gets and runs each at once.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        public int Posts { get; private set; }

        public override void Post(SendOrPostCallback d, object? state)
        {
            Posts++;
            d(state);
        }
    }
}
