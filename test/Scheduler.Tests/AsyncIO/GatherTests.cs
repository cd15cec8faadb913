using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>Gather</c> and <c>GatherSettled</c>, static and extension, generic and not.</summary>
public class GatherTests
{
    private static Task<T> After<T>(TestLoop test, double seconds, T value) =>
        test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(seconds);
            return value;
        });

    private static Task<T> FailAfter<T>(TestLoop test, double seconds, Exception exception) =>
        test.Loop.CreateTask<T>(async () =>
        {
            await AsyncIO.Sleep(seconds);
            throw exception;
        });

    /// <summary>
    /// Waits (bounded) for a gather that the test has already made due. The gather may finish on a pool thread:
    /// this only waits for it, the fake clock does not move meanwhile.
    /// </summary>
    private static void WaitForCompletion(Task task) =>
        ((IAsyncResult)task).AsyncWaitHandle.WaitOne(Guard.UnexpectedTimeout).ShouldBeTrue("the task did not complete");

    [Fact]
    public void Gather_ChildrenFinishInAnotherOrder_ResultsComeInArgumentOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<string> slow = After(test, 3, "slow");
        Task<string> fast = After(test, 1, "fast");
        Task<string> middle = After(test, 2, "middle");

        Task<string[]> gathered = AsyncIO.Gather(slow, fast, middle);
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));
        test.Advance(TimeSpan.FromSeconds(1));
        gathered.IsCompleted.ShouldBeFalse();
        test.Advance(TimeSpan.FromSeconds(1));

        WaitForCompletion(gathered);
        gathered.Result.ShouldBe(["slow", "fast", "middle"]);
    });

    [Fact]
    public async Task Gather_CompletionSourcesSetInReverseOrder_ResultsComeInArgumentOrder()
    {
        var first = new TaskCompletionSource<int>();
        var second = new TaskCompletionSource<int>();
        var third = new TaskCompletionSource<int>();
        Task<int[]> gathered = AsyncIO.Gather(first.Task, second.Task, third.Task);

        third.SetResult(3);
        second.SetResult(2);
        gathered.IsCompleted.ShouldBeFalse();
        first.SetResult(1);

        (await gathered).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void Gather_AwaitedInALoopTask_ResumesOnTheLoopWithResultsInArgumentOrder() => Guard.Run(() =>
    {
        int loopThread = Environment.CurrentManagedThreadId;

        (int[] results, int resumedOn) = AsyncIO.Run(
            async () =>
            {
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task<int> a = loop.CreateTask(async () =>
                {
                    await AsyncIO.Sleep(3);
                    return 1;
                });
                Task<int> b = loop.CreateTask(async () =>
                {
                    await AsyncIO.Sleep(1);
                    return 2;
                });
                int[] results = await AsyncIO.Gather(a, b);
                return (results, Environment.CurrentManagedThreadId);
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider() });

        results.ShouldBe([1, 2]);
        resumedOn.ShouldBe(loopThread);
    });

    [Fact]
    public void GatherExtension_Generic_ResultsComeInArgumentOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var tasks = new List<Task<int>> { After(test, 2, 20), After(test, 1, 10), After(test, 3, 30) };

        Task<int[]> gathered = tasks.Gather();
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(3));

        WaitForCompletion(gathered);
        gathered.Result.ShouldBe([20, 10, 30]);
    });

    [Fact]
    public void Gather_NonGeneric_CompletesOnlyOnceEveryTaskSucceeded() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var done = new List<int>();
        Task first = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(2);
            done.Add(1);
        });
        Task second = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(1);
            done.Add(2);
        });

        Task gathered = AsyncIO.Gather(first, second);
        Task extension = new[] { first, second }.Gather();
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));
        gathered.IsCompleted.ShouldBeFalse();
        extension.IsCompleted.ShouldBeFalse();
        test.Advance(TimeSpan.FromSeconds(1));

        WaitForCompletion(gathered);
        WaitForCompletion(extension);
        gathered.Status.ShouldBe(TaskStatus.RanToCompletion);
        extension.Status.ShouldBe(TaskStatus.RanToCompletion);
        done.ShouldBe([2, 1]);
    });

    [Fact]
    public void Gather_FirstFailure_PropagatesAtOnceWhileTheOthersKeepRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var boom = new InvalidOperationException("boom");
        Task<int> failing = FailAfter<int>(test, 1, boom);
        Task<int> slower = After(test, 2, 2);

        Task<int[]> gathered = AsyncIO.Gather(failing, slower);
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        WaitForCompletion(gathered);
        gathered.IsFaulted.ShouldBeTrue();
        gathered.Exception!.InnerException.ShouldBeSameAs(boom);
        slower.IsCompleted.ShouldBeFalse();

        test.Clock.Advance(TimeSpan.FromSeconds(1));
        test.RunUntilSettled(slower);

        slower.Status.ShouldBe(TaskStatus.RanToCompletion);
        slower.Result.ShouldBe(2);
    });

    [Fact]
    public void Gather_FirstFailureAwaitedInLoopTask_ThrowsTheExceptionItself() => Guard.Run(() =>
    {
        var boom = new InvalidOperationException("boom");
        (Exception? caught, int slowerResult) = AsyncIO.Run(
            async () =>
            {
                LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                Task<int> failing = loop.CreateTask<int>(async () =>
                {
                    await AsyncIO.Sleep(1);
                    throw boom;
                });
                Task<int> slower = loop.CreateTask(async () =>
                {
                    await AsyncIO.Sleep(2);
                    return 2;
                });
                Exception? caught = null;
                try
                {
                    await AsyncIO.Gather(failing, slower);
                }
                catch (Exception exception)
                {
                    caught = exception;
                }

                return (caught, await slower);
            },
            new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider() });

        caught.ShouldBeSameAs(boom);
        slowerResult.ShouldBe(2);
    });

    [Fact]
    public void Gather_FirstFailureWithAutoAdvance_PropagatesBeforeTheClockMovesOn() => Guard.Run(() =>
    {
        // Repeated: a scheduling race decides the outcome, so one lucky run must not hide a failure.
        for (int i = 0; i < 10; i++)
        {
            TimeSpan caughtAfter = AsyncIO.Run(
                async () =>
                {
                    LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                    TimeSpan start = loop.Time();
                    Task<int> failing = loop.CreateTask<int>(async () =>
                    {
                        await AsyncIO.Sleep(1);
                        throw new InvalidOperationException("boom");
                    });
                    Task<int> slower = loop.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(60);
                        return 2;
                    });
                    try
                    {
                        await AsyncIO.Gather(failing, slower);
                    }
                    catch (InvalidOperationException)
                    {
                        return loop.Time() - start;
                    }

                    return TimeSpan.MinValue;
                },
                new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider(), Log = new StringWriter() });

            caughtAfter.ShouldBe(TimeSpan.FromSeconds(1));
        }
    });

    [Fact]
    public void Gather_AllSucceedWithAutoAdvance_ResumesBeforeTheClockMovesOn() => Guard.Run(() =>
    {
        // Repeated: a scheduling race decides the outcome, so one lucky run must not hide a failure.
        for (int i = 0; i < 10; i++)
        {
            TimeSpan resumedAfter = AsyncIO.Run(
                async () =>
                {
                    LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                    TimeSpan start = loop.Time();
                    Task<int> a = loop.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(1);
                        return 1;
                    });
                    Task<int> b = loop.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(2);
                        return 2;
                    });

                    // An unrelated timer further out: an idle loop would jump to it.
                    loop.CallLater(TimeSpan.FromMinutes(1), () => { });
                    await AsyncIO.Gather(a, b);
                    return loop.Time() - start;
                },
                new LoopOptions { AutoAdvance = true, TimeProvider = new FakeTimeProvider(), Log = new StringWriter() });

            resumedAfter.ShouldBe(TimeSpan.FromSeconds(2));
        }
    });

    [Fact]
    public void Gather_ChildCancelled_EndsTheGatherCancelled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> sleeping = After(test, 10, 1);
        Task<int> other = After(test, 20, 2);
        Task<int[]> gathered = AsyncIO.Gather(sleeping, other);
        test.RunUntilIdle();

        sleeping.Cancel();
        test.RunUntilIdle();

        WaitForCompletion(gathered);
        gathered.IsCanceled.ShouldBeTrue();
        other.IsCompleted.ShouldBeFalse();
    });

    [Fact]
    public void Cancel_OnGather_CancelsTheChildren() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> first = After(test, 10, 1);
        Task<int> second = After(test, 20, 2);
        Task<int[]> gathered = AsyncIO.Gather(first, second);
        test.RunUntilIdle();

        gathered.Cancel().ShouldBeTrue();
        test.RunUntilSettled(first, second);

        first.IsCanceled.ShouldBeTrue();
        second.IsCanceled.ShouldBeTrue();
        WaitForCompletion(gathered);
        gathered.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Gather_AwaitedInATaskThatIsCancelled_DeliversTheCancellationToThatAwait() => Guard.Run(() =>
    {
        using var loop = new LoopTaskScheduler(new LoopOptions { Log = new StringWriter() });
        var never = new TaskCompletionSource<int>();
        bool caught = false;
        Task? outer = null;

        bool outerEndedFirst = loop.RunUntilComplete(async () =>
        {
            Task<int> child = loop.CreateTask(() => never.Task);
            outer = loop.CreateTask(async () =>
            {
                try
                {
                    await AsyncIO.Gather(child);
                }
                catch (OperationCanceledException)
                {
                    caught = true;
                    throw;
                }
            });
            await AsyncIO.Sleep(0);
            await AsyncIO.Sleep(0);

            outer.Cancel().ShouldBeTrue();

            // A bound for the failure case only: a delivered cancellation ends outer within a few iterations.
            Task first = await Task.WhenAny(outer, Task.Delay(TimeSpan.FromSeconds(2)));
            return first == outer;
        });

        outerEndedFirst.ShouldBeTrue("Cancel() of a task awaiting AsyncIO.Gather was not delivered to that await");
        caught.ShouldBeTrue();
        outer!.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void GatherSettled_MixedOutcomes_ReturnsTheSameTaskObjectsCompletedInArgumentOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> late = After(test, 3, 3);
        Task<int> failing = FailAfter<int>(test, 1, new InvalidOperationException("boom"));
        Task<int> cancelled = After(test, 10, 0);
        Task<int> early = After(test, 2, 2);

        Task<Task<int>[]> settled = AsyncIO.GatherSettled(late, failing, cancelled, early);
        test.RunUntilIdle();
        cancelled.Cancel();
        test.Advance(TimeSpan.FromSeconds(1));
        test.Advance(TimeSpan.FromSeconds(1));
        settled.IsCompleted.ShouldBeFalse();
        test.Advance(TimeSpan.FromSeconds(1));

        WaitForCompletion(settled);
        settled.Status.ShouldBe(TaskStatus.RanToCompletion);
        Task<int>[] results = settled.Result;
        results.Length.ShouldBe(4);
        results[0].ShouldBeSameAs(late);
        results[1].ShouldBeSameAs(failing);
        results[2].ShouldBeSameAs(cancelled);
        results[3].ShouldBeSameAs(early);
        results.ShouldAllBe(task => task.IsCompleted);
        late.Result.ShouldBe(3);
        failing.IsFaulted.ShouldBeTrue();
        cancelled.IsCanceled.ShouldBeTrue();
        early.Result.ShouldBe(2);
    });

    [Fact]
    public void GatherSettledExtension_NonGeneric_ReturnsTheSameTaskObjectsInArgumentOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task slow = After(test, 2, "slow");
        Task failing = FailAfter<string>(test, 1, new InvalidOperationException("boom"));
        Task plain = test.Loop.CreateTask(() => Task.CompletedTask);
        Task[] given = [slow, failing, plain];

        Task<Task[]> settled = given.GatherSettled();
        Task<Task[]> settledStatic = AsyncIO.GatherSettled(given);
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(2));

        WaitForCompletion(settled);
        WaitForCompletion(settledStatic);
        settled.Result.ShouldBe(given);
        settled.Result[0].ShouldBeSameAs(slow);
        settled.Result[1].ShouldBeSameAs(failing);
        settled.Result[2].ShouldBeSameAs(plain);
        settledStatic.Result.ShouldBe(given);
    });

    [Fact]
    public void GatherSettledExtension_Generic_ReturnsTheSameTaskObjects() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> a = After(test, 2, 1);
        Task<int> b = After(test, 1, 2);

        Task<Task<int>[]> settled = new List<Task<int>> { a, b }.GatherSettled();
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(2));

        WaitForCompletion(settled);
        settled.Result[0].ShouldBeSameAs(a);
        settled.Result[1].ShouldBeSameAs(b);
    });

    [Fact]
    public async Task Gather_EmptyInput_CompletesAtOnceWithNothing()
    {
        Task<int[]> generic = AsyncIO.Gather<int>();
        Task nonGeneric = AsyncIO.Gather();
        Task<int[]> genericExtension = Array.Empty<Task<int>>().Gather();
        Task nonGenericExtension = Array.Empty<Task>().Gather();

        generic.Status.ShouldBe(TaskStatus.RanToCompletion);
        nonGeneric.Status.ShouldBe(TaskStatus.RanToCompletion);
        genericExtension.Status.ShouldBe(TaskStatus.RanToCompletion);
        nonGenericExtension.Status.ShouldBe(TaskStatus.RanToCompletion);
        (await generic).ShouldBeEmpty();
        (await genericExtension).ShouldBeEmpty();
    }

    [Fact]
    public async Task GatherSettled_EmptyInput_CompletesAtOnceWithNothing()
    {
        Task<Task<int>[]> generic = AsyncIO.GatherSettled<int>();
        Task<Task[]> nonGeneric = AsyncIO.GatherSettled();
        Task<Task<string>[]> extension = new List<Task<string>>().GatherSettled();

        generic.Status.ShouldBe(TaskStatus.RanToCompletion);
        nonGeneric.Status.ShouldBe(TaskStatus.RanToCompletion);
        extension.Status.ShouldBe(TaskStatus.RanToCompletion);
        (await generic).ShouldBeEmpty();
        (await nonGeneric).ShouldBeEmpty();
        (await extension).ShouldBeEmpty();
    }

    [Fact]
    public void Gather_NullTaskInInput_ThrowsArgumentException()
    {
        Should.Throw<ArgumentException>(() => AsyncIO.Gather(Task.FromResult(1), null!));
        Should.Throw<ArgumentNullException>(() => ((IEnumerable<Task>)null!).Gather());
    }
}
