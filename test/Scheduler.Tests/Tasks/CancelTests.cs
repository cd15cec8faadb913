using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary><c>task.Cancel()</c>: asyncio's <c>task.cancel()</c> over a plain <see cref="Task"/>.</summary>
public class CancelTests
{
    [Fact]
    public void Cancel_BeforeStart_BodyNeverRunsAndTaskEndsCanceled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        Task task = test.Loop.CreateTask(async () =>
        {
            ran = true;
            await AsyncIO.Sleep(TimeSpan.Zero);
        });

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeFalse();
        task.Status.ShouldBe(TaskStatus.Canceled);
    });

    [Fact]
    public void Cancel_BeforeStartOfTokenForm_BodyNeverRuns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool ran = false;
        Task<int> task = test.Loop.CreateTask(token =>
        {
            ran = true;
            return Task.FromResult(1);
        });

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        ran.ShouldBeFalse();
        task.Status.ShouldBe(TaskStatus.Canceled);
    });

    [Fact]
    public void Cancel_WhileSleeping_OperationCanceledExceptionReachesBody() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Exception? caught = null;
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
            }
            catch (Exception exception)
            {
                caught = exception;
                throw;
            }
        });
        test.RunUntilIdle();
        task.IsCompleted.ShouldBeFalse();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        caught.ShouldBeAssignableTo<OperationCanceledException>();
        task.Status.ShouldBe(TaskStatus.Canceled);
    });

    [Fact]
    public void Cancel_WhileSleeping_CleanupAfterItCanSleepNormally() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var log = new List<string>();
        Task<int> task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
                log.Add("slept");
            }
            catch (OperationCanceledException)
            {
                log.Add("cancelled");
            }

            // Edge-triggered: the cancellation was delivered once, this sleep is not interrupted.
            await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
            log.Add("cleanup done");
            return 7;
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();
        log.ShouldBe(["cancelled"]);
        task.IsCompleted.ShouldBeFalse();

        test.Advance(TimeSpan.FromMilliseconds(999));
        log.ShouldBe(["cancelled"]);

        test.Advance(TimeSpan.FromMilliseconds(1));
        log.ShouldBe(["cancelled", "cleanup done"]);
        task.Status.ShouldBe(TaskStatus.RanToCompletion);
        task.Result.ShouldBe(7);
    });

    [Fact]
    public void Cancel_TwiceBeforeDelivery_DeliversOneException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int cancellations = 0;
        Task<string> task = test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                }
                catch (OperationCanceledException)
                {
                    cancellations++;
                }
            }

            return "done";
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();
        cancellations.ShouldBe(1);

        test.Advance(TimeSpan.FromSeconds(1));
        test.Advance(TimeSpan.FromSeconds(1));
        cancellations.ShouldBe(1);
        task.Result.ShouldBe("done");
    });

    [Fact]
    public void Cancel_PendingTask_ReturnsTrueEveryTime() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromSeconds(10)).AsTask());

        // Before its first step.
        task.Cancel().ShouldBeTrue();
        task.Cancel().ShouldBeTrue();

        Task sleeper = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromSeconds(10)).AsTask());
        test.RunUntilIdle();

        // While it sleeps.
        sleeper.Cancel().ShouldBeTrue();
        sleeper.Cancel().ShouldBeTrue();
        sleeper.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        task.IsCanceled.ShouldBeTrue();
        sleeper.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_DoneTask_ReturnsFalse() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> finished = test.Loop.CreateTask(() => Task.FromResult(1));
        Task cancelled = test.Loop.CreateTask(() => AsyncIO.Sleep(TimeSpan.FromSeconds(1)).AsTask());
        cancelled.Cancel();
        test.RunUntilIdle();

        finished.Status.ShouldBe(TaskStatus.RanToCompletion);
        cancelled.Status.ShouldBe(TaskStatus.Canceled);
        finished.Cancel().ShouldBeFalse();
        cancelled.Cancel().ShouldBeFalse();
    });

    [Fact]
    public void Cancel_WhileSleeping_RunsNothingInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool caught = false;
        Task task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
                caught = true;
                throw;
            }
        });
        test.RunUntilIdle();

        var states = new List<(bool Caught, TaskStatus Status)>();
        test.Loop.CallSoon(() =>
        {
            task.Cancel().ShouldBeTrue();
            states.Add((caught, task.Status));
        });
        test.RunUntilIdle();

        states.ShouldBe([(false, TaskStatus.WaitingForActivation)]);
        caught.ShouldBeTrue();
        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_BeforeStart_RunsNothingInline() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(() => Task.CompletedTask);

        task.Cancel().ShouldBeTrue();
        task.IsCompleted.ShouldBeFalse();

        test.RunUntilIdle();
        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_BodyCatchesAndReturnsValue_EndsWithThatValue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<int> task = test.Loop.CreateTask(async () =>
        {
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
                return 1;
            }
            catch (OperationCanceledException)
            {
                return 42;
            }
        });
        test.RunUntilIdle();

        task.Cancel();
        test.RunUntilIdle();

        task.Status.ShouldBe(TaskStatus.RanToCompletion);
        task.Result.ShouldBe(42);
    });

    [Fact]
    public void Cancel_RequestedWhileBodyRunsSynchronously_BodyReturnsWithoutLoopAwait_EndsCanceled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool returned = false;
        Task<int> task = test.Loop.CreateTask(() =>
        {
            AsyncIO.CurrentTask()!.Cancel().ShouldBeTrue();
            returned = true;
            return Task.FromResult(5);
        });

        test.RunUntilIdle();

        returned.ShouldBeTrue();
        task.Status.ShouldBe(TaskStatus.Canceled);
    });

    [Fact]
    public void Cancel_WhileBodyAwaitsPlainTask_NeverDelivered_EndsCanceledEvenIfBodyReturns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool returned = false;
        Task<int> task = test.Loop.CreateTask(async () =>
        {
            await gate.Task; // a plain await: .NET cannot interrupt it
            returned = true;
            return 5;
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();
        task.IsCompleted.ShouldBeFalse();

        gate.SetResult(true);
        test.RunUntilIdle();

        returned.ShouldBeTrue();
        task.Status.ShouldBe(TaskStatus.Canceled);
    });

    [Fact]
    public void Cancel_TokenForm_TokenIsCancelled() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        CancellationToken seen = default;
        bool cancelledInCatch = false;
        Task task = test.Loop.CreateTask(async token =>
        {
            seen = token;
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(10), CancellationToken.None); // ambient delivery, the token is not passed
            }
            catch (OperationCanceledException)
            {
                cancelledInCatch = token.IsCancellationRequested;
                throw;
            }
        });
        test.RunUntilIdle();
        seen.CanBeCanceled.ShouldBeTrue();
        seen.IsCancellationRequested.ShouldBeFalse();

        task.Cancel();
        test.RunUntilIdle();

        cancelledInCatch.ShouldBeTrue();
        seen.IsCancellationRequested.ShouldBeTrue();
        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_TokenForm_TplWaitOnTokenEnds() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task task = test.Loop.CreateTask(token => Task.Delay(Timeout.Infinite, token));
        test.RunUntilIdle();
        task.IsCompleted.ShouldBeFalse();

        task.Cancel();
        test.RunUntilIdle();

        task.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Cancel_PlainTaskNotFromLibrary_ThrowsInvalidOperationException()
    {
        var source = new TaskCompletionSource<int>();

        Should.Throw<InvalidOperationException>(() => source.Task.Cancel());

        source.Task.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public void Cancel_UnderAsyncIORun_SleepingTaskIsCancelledWithoutTimePassing() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = VirtualTime.Now;
                Task<int> sleeper = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await AsyncIO.Sleep(TimeSpan.FromHours(1));
                    return 1;
                });
                await AsyncIO.Sleep(TimeSpan.Zero);

                sleeper.Cancel().ShouldBeTrue();
                await sleeper.ShouldBeCancelledAsync();

                (VirtualTime.Now - start).ShouldBe(TimeSpan.Zero);
            },
            VirtualTime.Options());
    });

    [Fact]
    public void Cancel_RequestedBeforeALoopAwaitInTheSameStep_ThatAwaitThrows() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        Task<string> task = test.Loop.CreateTask(async () =>
        {
            AsyncIO.CurrentTask()!.Cancel().ShouldBeTrue();
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                return "slept";
            }
            catch (OperationCanceledException)
            {
                await AsyncIO.Sleep(TimeSpan.FromSeconds(1));
                return "caught";
            }
        });

        test.RunUntilIdle();
        task.IsCompleted.ShouldBeFalse();
        test.Advance(TimeSpan.FromSeconds(1));

        task.Status.ShouldBe(TaskStatus.RanToCompletion);
        task.Result.ShouldBe("caught");
    });

    [Fact]
    public void Cancel_TaskAwaitingGatherOfPlainTask_EndsCanceledAndThePlainTaskStaysPending() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var plain = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int[]> task = test.Loop.CreateTask(() => AsyncIO.Gather(plain.Task));
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        task.IsCanceled.ShouldBeTrue();
        plain.Task.IsCompleted.ShouldBeFalse();
    });

    [Fact]
    public void Cancel_PlainTaskThatWasOnlyNamed_StillThrowsInvalidOperationException()
    {
        var source = new TaskCompletionSource<int>();
        source.Task.SetName("plain");

        Should.Throw<InvalidOperationException>(() => source.Task.Cancel());
    }

    [Fact]
    public void Cancel_FromAnotherThread_IsDeliveredOnTheLoopThread() => Guard.Run(() =>
    {
        // The fake clock never moves: the sleep can only end by cancellation.
        using var thread = new LoopThread(new LoopOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), Log = new System.IO.StringWriter() });
        var created = new TaskCompletionSource<Task<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sleeping = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        int caughtOn = 0;
        thread.Loop.CallSoonThreadSafe(() => created.SetResult(thread.Loop.CreateTask(async () =>
        {
            try
            {
                ValueTask sleep = AsyncIO.Sleep(TimeSpan.FromHours(1));
                sleeping.SetResult(true);
                await sleep;
                return 1;
            }
            catch (OperationCanceledException)
            {
                caughtOn = Environment.CurrentManagedThreadId;
                return 2;
            }
        })));
        Task<int> task = created.Task.GetAwaiter().GetResult();
        sleeping.Task.GetAwaiter().GetResult();

        task.Cancel().ShouldBeTrue();

        task.GetAwaiter().GetResult().ShouldBe(2);
        caughtOn.ShouldBe(thread.ManagedThreadId);
    });

    [Fact]
    public void Cancel_AgainAfterTheFirstWasDelivered_DeliversASecondException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int cancellations = 0;
        Task<int> task = test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                try
                {
                    await AsyncIO.Sleep(TimeSpan.FromSeconds(10));
                }
                catch (OperationCanceledException)
                {
                    cancellations++;
                }
            }

            return cancellations;
        });
        test.RunUntilIdle();

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();
        cancellations.ShouldBe(1);

        task.Cancel().ShouldBeTrue();
        test.RunUntilIdle();

        task.Result.ShouldBe(2);
    });
}
