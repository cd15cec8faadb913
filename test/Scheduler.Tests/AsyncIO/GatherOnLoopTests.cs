using System;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary>
/// <c>Gather</c> made on the loop thread: it hears of its children through pooled hooks that run on the loop only, and
/// takes children that are already complete without a hook, one loop turn later as asyncio does.
/// </summary>
public class GatherOnLoopTests
{
    private static T OnLoop<T>(TestLoop test, Func<T> body)
    {
        T result = default!;
        test.Loop.CallSoon(() => result = body());
        test.RunUntilIdle();
        return result;
    }

    [Fact]
    public void Gather_ChildCompletedOnAnotherThread_IsHeardOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var child = new TaskCompletionSource<int>();
        Task<int[]> gathered = OnLoop(test, () => AsyncIO.Gather(child.Task, Task.FromResult(2)));

        Task.Run(() => child.SetResult(1)).Wait(Guard.UnexpectedTimeout).ShouldBeTrue();
        gathered.IsCompleted.ShouldBeFalse("the child's completion waits for the loop");

        test.RunUntilIdle();
        gathered.Status.ShouldBe(TaskStatus.RanToCompletion);
        gathered.Result.ShouldBe([1, 2]);
    });

    [Fact]
    public void Gather_ChildCompletedOnAThreadThatHasTheLoopsContext_IsHeardOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var child = new TaskCompletionSource<int>();
        Task<int[]> gathered = OnLoop(test, () => AsyncIO.Gather(child.Task));

        // The runtime runs the await continuation inline there: it must still reach the gather through the loop.
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(test.Loop.SynchronizationContext);
            child.SetResult(1);
            SynchronizationContext.SetSynchronizationContext(null);
        });
        thread.Start();
        thread.Join(Guard.UnexpectedTimeout).ShouldBeTrue();
        gathered.IsCompleted.ShouldBeFalse("the child's completion waits for the loop");

        test.RunUntilIdle();
        gathered.Result.ShouldBe([1]);
    });

    [Fact]
    public void Gather_EveryChildAlreadyComplete_CompletesOneTurnLaterWithResultsInArgumentOrder() => Guard.Run(() =>
    {
        // As asyncio: the done callbacks of finished children are scheduled, so the gather ends in the next turn.
        using var test = new TestLoop();
        bool completedAtOnce = true;
        Task<int[]> gathered = OnLoop(test, () =>
        {
            Task<int[]> gather = AsyncIO.Gather(Task.FromResult(1), Task.FromResult(2), Task.FromResult(3));
            completedAtOnce = gather.IsCompleted;
            return gather;
        });

        completedAtOnce.ShouldBeFalse();
        gathered.Result.ShouldBe([1, 2, 3]);
    });

    [Fact]
    public void Gather_ChildAlreadyFailed_FailsInTheNextTurnWhileTheOthersKeepRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var boom = new InvalidOperationException("boom");
        var pending = new TaskCompletionSource<int>();
        bool failedAtOnce = true;
        Task<int[]> gathered = OnLoop(test, () =>
        {
            Task<int[]> gather = AsyncIO.Gather(pending.Task, Task.FromException<int>(boom));
            failedAtOnce = gather.IsFaulted;
            return gather;
        });

        failedAtOnce.ShouldBeFalse();
        gathered.Exception!.InnerException.ShouldBeSameAs(boom);

        test.Loop.CallSoon(() => pending.SetResult(1));
        test.RunUntilIdle();
        gathered.Exception!.InnerExceptions.Count.ShouldBe(1);
    });

    [Fact]
    public void Gather_TwoChildrenFail_TheFirstToFailEndsIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var first = new TaskCompletionSource<int>();
        var second = new TaskCompletionSource<int>();
        var early = new InvalidOperationException("early");
        Task<int[]> gathered = OnLoop(test, () => AsyncIO.Gather(first.Task, second.Task));

        test.Loop.CallSoon(() => second.SetException(early));
        test.RunUntilIdle();
        gathered.IsFaulted.ShouldBeTrue();
        test.Loop.CallSoon(() => first.SetException(new InvalidOperationException("late")));
        test.RunUntilIdle();

        gathered.Exception!.InnerExceptions.ShouldBe([early]);
    });

    [Fact]
    public void GatherSettled_MixOfCompleteAndPendingChildren_ReturnsTheSameTasksInArgumentOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> done = Task.FromResult(1);
        Task<int> failed = Task.FromException<int>(new InvalidOperationException("boom"));
        var pending = new TaskCompletionSource<int>();
        Task<Task<int>[]> settled = OnLoop(test, () => AsyncIO.GatherSettled(done, pending.Task, failed));
        settled.IsCompleted.ShouldBeFalse();

        test.Loop.CallSoon(() => pending.SetResult(2));
        test.RunUntilIdle();

        settled.Result.ShouldBe([done, pending.Task, failed]);
    });

    [Fact]
    public void Gather_RoundAfterRound_EachHookReportsItsOwnChild() => Guard.Run(() =>
    {
        const int Children = 100;
        using var test = new TestLoop();
        for (int round = 0; round < 3; round++)
        {
            var sources = new TaskCompletionSource<int>[Children];
            var tasks = new Task<int>[Children];
            for (int i = 0; i < Children; i++)
            {
                sources[i] = new TaskCompletionSource<int>();
                tasks[i] = sources[i].Task;
            }

            Task<int[]> gathered = OnLoop(test, () => AsyncIO.Gather(tasks));

            // Completed in reverse order; each then joins a gather of its own, whose hook reuses one just freed.
            int offset = round * Children;
            var extras = new TaskCompletionSource<int>[Children];
            var nested = new Task<int[]>[Children];
            test.Loop.CallSoon(() =>
            {
                for (int i = Children - 1; i >= 0; i--)
                {
                    sources[i].SetResult(offset + i);
                    extras[i] = new TaskCompletionSource<int>();
                    nested[i] = AsyncIO.Gather(tasks[i], extras[i].Task);
                }
            });
            test.RunUntilIdle();
            test.Loop.CallSoon(() =>
            {
                for (int i = 0; i < Children; i++)
                {
                    extras[i].SetResult(-i);
                }
            });
            test.RunUntilIdle();

            for (int i = 0; i < Children; i++)
            {
                nested[i].Result.ShouldBe([offset + i, -i]);
            }

            gathered.Result.ShouldBe(System.Linq.Enumerable.Range(offset, Children));
        }
    });
}
