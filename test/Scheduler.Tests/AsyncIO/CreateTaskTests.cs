using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary><c>CreateTask</c>: deferred start, names, <c>AllTasks</c>, <c>CurrentTask</c> and <c>Cancel</c>.</summary>
public class CreateTaskTests
{
    private static int NameNumber(Task task)
    {
        string name = task.GetName();
        name.ShouldStartWith("Task-");
        return int.Parse(name["Task-".Length..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void CreateTask_FromOwnerThreadBeforeRun_BodyDoesNotRunInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool started = false;

        Task task = test.Loop.CreateTask(() =>
        {
            started = true;
            return Task.CompletedTask;
        });

        started.ShouldBeFalse();
        task.IsCompleted.ShouldBeFalse();
        test.RunUntilIdle();
        started.ShouldBeTrue();
        task.Status.ShouldBe(TaskStatus.RanToCompletion);
    });

    [Fact]
    public void CreateTask_FromALoopCallback_BodyStartsInALaterIteration() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var order = new List<string>();
        bool startedRightAfter = true;
        test.Loop.CallSoon(() =>
        {
            bool started = false;
            test.Loop.CreateTask(() =>
            {
                started = true;
                order.Add("body");
                return Task.CompletedTask;
            });
            startedRightAfter = started;
            order.Add("CreateTask returned");
        });

        test.RunUntilIdle();

        startedRightAfter.ShouldBeFalse();
        order.ShouldBe(["CreateTask returned", "body"]);
    });

    [Fact]
    public void CreateTask_Generic_ReturnsTheBodysResult() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        Task<string> task = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(1);
            return "done";
        });
        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        task.Result.ShouldBe("done");
    });

    [Fact]
    public void CreateTask_BodyEndsAfterAnAwait_TaskIsDoneWhenRunUntilIdleReturns() => Guard.Run(() =>
    {
        // Repeated: a scheduling race decides the outcome, so one lucky run must not hide a failure.
        for (int i = 0; i < 10; i++)
        {
            RunUntilIdleThenCheckTasksDone();
        }
    });

    private static void RunUntilIdleThenCheckTasksDone()
    {
        using var test = new TestLoop();
        Task<int> finishes = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(1);
            return 1;
        });
        Task cancelled = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask());
        test.RunUntilIdle();
        cancelled.Cancel();

        test.Advance(TimeSpan.FromSeconds(1));

        // Nothing is left for the loop to do, so a task whose body has ended is done, as in asyncio,
        // where the task's last step completes it on the loop.
        finishes.Status.ShouldBe(TaskStatus.RanToCompletion);
        cancelled.Status.ShouldBe(TaskStatus.Canceled);
        AsyncIO.AllTasks(test.Loop).ShouldBeEmpty();
    }

    [Fact]
    public void CreateTask_BodyThrows_TaskKeepsTheException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var boom = new InvalidOperationException("boom");

        Task task = test.Loop.CreateTask(() => throw boom);
        test.RunUntilIdle();

        task.IsFaulted.ShouldBeTrue();
        task.Exception!.InnerException.ShouldBeSameAs(boom);
    });

    [Fact]
    public void CreateTask_OnClosedLoop_Throws() => Guard.Run(() =>
    {
        var loop = new LoopTaskScheduler();
        loop.Close();

        Should.Throw<InvalidOperationException>(() => loop.CreateTask(() => Task.CompletedTask));
    });

    [Fact]
    public void GetName_DefaultNames_AreTaskNWithIncreasingN() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        Task first = test.Loop.CreateTask(() => Task.CompletedTask);
        Task second = test.Loop.CreateTask(() => Task.CompletedTask);
        Task<int> third = test.Loop.CreateTask(() => Task.FromResult(3));

        NameNumber(second).ShouldBeGreaterThan(NameNumber(first));
        NameNumber(third).ShouldBeGreaterThan(NameNumber(second));
        test.RunUntilIdle();
        first.GetName().ShouldBe(first.GetName());
    });

    [Fact]
    public void GetName_DefaultNames_IncreaseAcrossLoops() => Guard.Run(() =>
    {
        using var one = new TestLoop();
        using var two = new TestLoop();

        Task first = one.Loop.CreateTask(() => Task.CompletedTask);
        Task second = two.Loop.CreateTask(() => Task.CompletedTask);

        NameNumber(second).ShouldBeGreaterThan(NameNumber(first));
    });

    [Fact]
    public void GetName_CustomName_IsReturnedAndSetNameChangesIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        string? seenInside = null;
        Task task = test.Loop.CreateTask(
            () =>
            {
                seenInside = AsyncIO.CurrentTask()!.GetName();
                return Task.CompletedTask;
            },
            "worker");

        task.GetName().ShouldBe("worker");
        task.SetName("renamed");
        task.GetName().ShouldBe("renamed");
        test.RunUntilIdle();
        seenInside.ShouldBe("renamed");
    });

    [Fact]
    public void SetName_OnAPlainTask_GivesItThatName()
    {
        var plain = new TaskCompletionSource<int>().Task;

        plain.GetName().ShouldStartWith("Task-");
        plain.SetName("plain");

        plain.GetName().ShouldBe("plain");
    }

    [Fact]
    public void AllTasks_ListsUnfinishedTasksOnly() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task quick = test.Loop.CreateTask(() => Task.CompletedTask);
        Task sleeper = test.Loop.CreateTask(() => AsyncIO.Sleep(10).AsTask());

        AsyncIO.AllTasks(test.Loop).ShouldBe([quick, sleeper], ignoreOrder: true);

        test.RunUntilSettled(quick);
        AsyncIO.AllTasks(test.Loop).ShouldBe([sleeper]);

        test.Clock.Advance(TimeSpan.FromSeconds(10));
        test.RunUntilSettled(sleeper);
        AsyncIO.AllTasks(test.Loop).ShouldBeEmpty();
    });

    [Fact]
    public void AllTasks_InsideATask_IncludesTheCurrentTaskAndOnlyThisLoops() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        using var other = new TestLoop();
        Task foreign = other.Loop.CreateTask(() => Task.CompletedTask);
        IReadOnlyCollection<Task>? seen = null;
        Task? self = null;
        self = test.Loop.CreateTask(() =>
        {
            seen = AsyncIO.AllTasks();
            return Task.CompletedTask;
        });

        test.RunUntilIdle();

        seen.ShouldNotBeNull().ShouldContain(self);
        seen.ShouldNotContain(foreign);
    });

    [Fact]
    public void AllTasks_WithoutLoopOffTheLoop_Throws()
    {
        Should.Throw<InvalidOperationException>(() => AsyncIO.AllTasks());
    }

    [Fact]
    public void CurrentTask_InsideTheBody_IsTheCreatedTaskAcrossAwaits() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<Task?>();
        Task? created = null;
        created = test.Loop.CreateTask(async () =>
        {
            seen.Add(AsyncIO.CurrentTask());
            await AsyncIO.Sleep(1);
            seen.Add(AsyncIO.CurrentTask());
            await Task.Yield();
            seen.Add(AsyncIO.CurrentTask());
        });

        test.RunUntilIdle();
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        test.RunUntilSettled(created);

        created.IsCompletedSuccessfully.ShouldBeTrue();
        seen.Count.ShouldBe(3);
        seen.ShouldAllBe(task => ReferenceEquals(task, created));
    });

    [Fact]
    public void CurrentTask_InTwoInterleavedTasks_EachSeesItsOwn() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var seen = new List<(string, Task?)>();
        Task? a = null;
        Task? b = null;
        a = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(1);
            seen.Add(("a", AsyncIO.CurrentTask()));
        });
        b = test.Loop.CreateTask(async () =>
        {
            Task child = test.Loop.CreateTask(() => Task.CompletedTask);
            await AsyncIO.Sleep(1);
            seen.Add(("b", AsyncIO.CurrentTask()));
        });

        test.RunUntilIdle();
        test.Advance(TimeSpan.FromSeconds(1));

        seen.ShouldBe([("a", a), ("b", b)]);
    });

    [Fact]
    public void CurrentTask_OutsideAnyTask_IsNull() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task? inPlainCallback = new TaskCompletionSource<int>().Task;
        test.Loop.CallSoon(() => inPlainCallback = AsyncIO.CurrentTask());

        AsyncIO.CurrentTask().ShouldBeNull();
        test.RunUntilIdle();

        inPlainCallback.ShouldBeNull();
    });

    [Fact]
    public void CurrentTask_InACallbackScheduledFromATask_IsNull() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task? inCallback = new TaskCompletionSource<int>().Task;
        test.Loop.CreateTask(() =>
        {
            // asyncio: a call_soon callback runs outside any task, whoever scheduled it.
            test.Loop.CallSoon(() => inCallback = AsyncIO.CurrentTask());
            return Task.CompletedTask;
        });

        test.RunUntilIdle();

        inCallback.ShouldBeNull();
    });

    [Fact]
    public void Cancel_BeforeTheTaskStarted_BodyNeverRunsAndTaskEndsCanceled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        Task task = test.Loop.CreateTask(() =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeFalse();
        task.IsCanceled.ShouldBeTrue();
        AsyncIO.AllTasks(test.Loop).ShouldBeEmpty();
    });

    [Fact]
    public void Cancel_TaskSleeping_EndsItCanceledWithoutRunningTheRest() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool woke = false;
        Task task = test.Loop.CreateTask(async () =>
        {
            await AsyncIO.Sleep(TimeSpan.FromHours(1));
            woke = true;
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        task.IsCompleted.ShouldBeFalse();
        test.RunUntilSettled(task);

        task.IsCanceled.ShouldBeTrue();
        woke.ShouldBeFalse();
    });

    [Fact]
    public void Cancel_CalledTwiceWhilePending_ReturnsTrueEachTime() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromHours(1)).AsTask());
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        task.Cancel().ShouldBeTrue();
        test.RunUntilSettled(task);

        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_FromAnotherThread_IsDeliveredOnTheLoop() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int loopThread = Environment.CurrentManagedThreadId;
        int cancelledOn = 0;
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
            }
            finally
            {
                cancelledOn = Environment.CurrentManagedThreadId;
            }
        });
        test.RunUntilIdle();

        Task.Run(() => task.Cancel()).GetAwaiter().GetResult().ShouldBeTrue();
        test.RunUntilSettled(task);

        task.IsCanceled.ShouldBeTrue();
        cancelledOn.ShouldBe(loopThread);
    });

    [Fact]
    public void Cancel_TaskThatStartedATplTaskOnTheLoop_InterruptsItsOwnSleepOnly() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ownerCancelled = false;
        bool helperCancelled = false;
        Task owner = test.Loop.CreateTask(async () =>
        {
            // A plain TPL task on the loop, not a loop task: the owner's Cancel() must not reach it.
            _ = new TaskFactory(test.Loop).StartNew(async () =>
            {
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                }
                catch (OperationCanceledException)
                {
                    helperCancelled = true;
                }
            });
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(2));
            }
            catch (OperationCanceledException)
            {
                ownerCancelled = true;
                throw;
            }
        });
        test.RunUntilIdle();

        owner.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        helperCancelled.ShouldBeFalse();
        ownerCancelled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_BodyCatchesAndReturns_TaskEndsWithItsResult() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<string> task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1));
                return "woke";
            }
            catch (OperationCanceledException)
            {
                await AsyncIO.Sleep(1);
                return "cleaned up";
            }
        });
        test.RunUntilIdle();

        task.Cancel();
        test.RunUntilIdle();
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        test.RunUntilSettled(task);

        task.Status.ShouldBe(TaskStatus.RanToCompletion);
        task.Result.ShouldBe("cleaned up");
    });

    [Fact]
    public void Cancel_OnADoneTask_ReturnsFalse() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> succeeded = test.Loop.CreateTask(() => Task.FromResult(1));
        Task failed = test.Loop.CreateTask(() => Task.FromException(new InvalidOperationException()));
        Task cancelled = test.Loop.CreateTask(() => Task.CompletedTask);
        cancelled.Cancel();
        test.RunUntilIdle();

        succeeded.Cancel().ShouldBeFalse();
        failed.Cancel().ShouldBeFalse();
        cancelled.Cancel().ShouldBeFalse();
        succeeded.Result.ShouldBe(1);
    });

    [Fact]
    public void Cancel_OnAPlainTask_Throws()
    {
        var plain = new TaskCompletionSource<int>().Task;

        Should.Throw<InvalidOperationException>(() => plain.Cancel());
    }

    [Fact]
    public void CreateTask_WithToken_TokenIsCancelledOnCancel() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        CancellationToken seen = default;
        Task task = test.Loop.CreateTask(async token =>
        {
            seen = token;
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
        });
        test.RunUntilIdle();
        seen.CanBeCanceled.ShouldBeTrue();
        seen.IsCancellationRequested.ShouldBeFalse();

        task.Cancel().ShouldBeTrue();
        test.RunUntilSettled(task);

        seen.IsCancellationRequested.ShouldBeTrue();
        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void CreateTask_GenericWithToken_ReturnsResultAndTokenStaysCancelledAfterCancel() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        CancellationToken seen = default;
        Task<int> finishes = test.Loop.CreateTask(token => Task.FromResult(token.IsCancellationRequested ? -1 : 7));
        Task<int> cancelled = test.Loop.CreateTask(async token =>
        {
            seen = token;
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1), CancellationToken.None);
                return 0;
            }
            catch (OperationCanceledException)
            {
                return token.IsCancellationRequested ? 1 : 2;
            }
        });
        test.RunUntilIdle();

        cancelled.Cancel();
        test.RunUntilIdle();

        finishes.Result.ShouldBe(7);
        cancelled.Result.ShouldBe(1);
        seen.IsCancellationRequested.ShouldBeTrue();
    });
}
