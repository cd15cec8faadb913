using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// What asyncio's three queues share, inherited per queue type as Channels' <c>ChannelTestBase</c>: capacity and
/// back-pressure, FIFO-served getters and putters woken by scheduling, cancellation that takes or leaves nothing,
/// <c>TaskDone</c>/<c>JoinAsync</c>, both shutdown modes, enumeration, misuse from another thread, allocation.
/// </summary>
public abstract class QueueContractTests
{
    /// <summary>A new queue of the type under test.</summary>
    private protected abstract LoopQueue<int> Create(int maxSize = 0);

    /// <summary>The order in which the queue hands out <paramref name="items"/> put in that order with no getter waiting.</summary>
    private protected abstract int[] ExpectedOrder(int[] items);

    [Fact]
    public void TryGet_AfterTryPuts_FollowsTheQueueOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        int[] items = [5, 1, 4, 2, 3];

        List<int> taken = test.OnLoop(() =>
        {
            sut.PutAll(items);
            return sut.Drain();
        });

        taken.ShouldBe(ExpectedOrder(items));
    });

    [Fact]
    public void GetAsync_AfterPutAsyncs_CompleteSynchronouslyInTheQueueOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 5);
        int[] items = [3, 9, 1, 7, 5];

        List<int> taken = test.OnLoop(() =>
        {
            foreach (int item in items)
            {
                sut.PutAsync(item).ShouldCompleteSynchronously();
            }

            return items.Select(_ => sut.GetAsync().ShouldCompleteSynchronously()).ToList();
        });

        taken.ShouldBe(ExpectedOrder(items));
    });

    [Fact]
    public void Properties_AfterPutsAndGets_FollowTheContents() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 2);
        sut.MaxSize.ShouldBe(2);
        sut.Count.ShouldBe(0);
        sut.IsEmpty.ShouldBeTrue();
        sut.IsFull.ShouldBeFalse();
        sut.IsShutDown.ShouldBeFalse();

        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        sut.Count.ShouldBe(1);
        sut.IsEmpty.ShouldBeFalse();
        sut.IsFull.ShouldBeFalse();

        test.OnLoop(() => sut.TryPut(2).ShouldBeTrue());
        sut.Count.ShouldBe(2);
        sut.IsFull.ShouldBeTrue();

        test.OnLoop(() => sut.TryGet(out _).ShouldBeTrue());
        sut.Count.ShouldBe(1);
        sut.IsFull.ShouldBeFalse();
    });

    [Fact]
    public void TryPut_WhenFull_ReturnsFalseAndAddsNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 2);

        bool third = test.OnLoop(() =>
        {
            sut.PutAll(1, 2);
            return sut.TryPut(3);
        });

        third.ShouldBeFalse();
        sut.Count.ShouldBe(2);
        List<int> left = test.OnLoop(() => sut.Drain());
        left.Order().ShouldBe([1, 2]);
    });

    [Fact]
    public void TryGet_WhenEmpty_ReturnsFalse() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();

        bool taken = test.OnLoop(() => sut.TryGet(out _));

        taken.ShouldBeFalse();
    });

    [Fact]
    public void MaxSize_ZeroOrNegative_MeansUnbounded() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> unbounded = Create(maxSize: 0);
        LoopQueue<int> negative = Create(maxSize: -3);

        test.OnLoop(() =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                unbounded.TryPut(i).ShouldBeTrue();
                negative.TryPut(i).ShouldBeTrue();
            }
        });

        negative.MaxSize.ShouldBe(0);
        unbounded.IsFull.ShouldBeFalse();
        negative.IsFull.ShouldBeFalse();
        unbounded.Count.ShouldBe(1_000);
    });

    [Fact]
    public void PutAsync_WhenFull_WaitsUntilAGetFreesRoom() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 2);
        test.OnLoop(() => sut.PutAll(1, 2));
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(3));
        test.RunUntilIdle();

        putter.IsCompleted.ShouldBeFalse();
        sut.Count.ShouldBe(2);

        bool putterDoneInsideGet = true;
        int first = test.OnLoop(() =>
        {
            sut.TryGet(out int item).ShouldBeTrue();
            putterDoneInsideGet = putter.IsCompleted;
            return item;
        });

        putterDoneInsideGet.ShouldBeFalse("the woken putter is scheduled, not run inside the get");
        putter.IsCompletedSuccessfully.ShouldBeTrue();
        sut.Count.ShouldBe(2);
        sut.IsFull.ShouldBeTrue();
        List<int> rest = test.OnLoop(() => sut.Drain());
        rest.Append(first).Order().ShouldBe([1, 2, 3]);
    });

    [Fact]
    public void GetAsync_WhenEmpty_WaitsAndAPutHandsTheItemOver() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();
        getter.IsCompleted.ShouldBeFalse();

        bool getterDoneInsidePut = true;
        test.OnLoop(() =>
        {
            sut.PutAsync(42).ShouldCompleteSynchronously();
            getterDoneInsidePut = getter.IsCompleted;
        });

        getterDoneInsidePut.ShouldBeFalse("the woken getter is scheduled, not run inside the put");
        getter.Result.ShouldBe(42);
        sut.Count.ShouldBe(0);
    });

    [Fact]
    public void GetAsync_SeveralWaiting_ServedInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        var getters = new List<Task<int>>();
        for (int i = 0; i < 4; i++)
        {
            getters.Add(test.Loop.CreateTask(async () => await sut.GetAsync()));
        }

        test.RunUntilIdle();

        test.OnLoop(() => sut.PutAll(40, 10, 30, 20));

        getters.Select(g => g.Result).ShouldBe([40, 10, 30, 20], "each put goes to the first getter still waiting");
        sut.IsEmpty.ShouldBeTrue();
    });

    [Fact]
    public void PutAsync_SeveralWaiting_ServedInFifoOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        test.OnLoop(() => sut.TryPut(0).ShouldBeTrue());
        var done = new List<int>();
        foreach (int item in new[] { 30, 10, 20 })
        {
            test.Loop.CreateTask(async () =>
            {
                await sut.PutAsync(item);
                done.Add(item);
            });
        }

        test.RunUntilIdle();
        done.ShouldBeEmpty();

        var taken = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            taken.Add(test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()));
        }

        taken.ShouldBe([0, 30, 10, 20], "room goes to the putters in the order they came");
        done.ShouldBe([30, 10, 20]);
        sut.IsEmpty.ShouldBeTrue();
    });

    [Fact]
    public void GetAsync_CancelledByToken_TakesNothingAndTheNextGetterGetsTheItem() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        using var cts = new CancellationTokenSource();
        Task<int> cancelled = test.Loop.CreateTask(async () => await sut.GetAsync(cts.Token));
        Task<int> next = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);
        cancelled.IsCanceled.ShouldBeTrue();

        test.OnLoop(() => sut.TryPut(7).ShouldBeTrue());

        next.Result.ShouldBe(7);
        sut.IsEmpty.ShouldBeTrue();
    });

    [Fact]
    public void GetAsync_CancelledByTaskCancel_TakesNothingAndTheItemStaysInTheQueue() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Task<int> cancelled = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        test.OnLoop(() => cancelled.Cancel());
        cancelled.IsCanceled.ShouldBeTrue();

        test.OnLoop(() => sut.TryPut(7).ShouldBeTrue());

        sut.Count.ShouldBe(1);
        test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()).ShouldBe(7);
    });

    [Fact]
    public void GetAsync_CancelledInTheIterationOfAPut_TheItemIsNotLost() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        using var cts = new CancellationTokenSource();
        var received = new List<int>();
        test.Loop.CreateTask(async () => received.Add(await sut.GetAsync(cts.Token)));
        Task task = test.Loop.CreateTask(async () => received.Add(await sut.GetAsync()));
        test.Loop.CreateTask(async () => received.Add(await sut.GetAsync()));
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            cts.Cancel();
            task.Cancel();
            sut.PutAll(1, 2, 3);
        });

        // Woken before their cancellation arrived, the getters keep their item: none is lost, none is doubled.
        List<int> left = test.OnLoop(() => sut.Drain());
        received.Concat(left).Order().ShouldBe([1, 2, 3]);
    });

    [Fact]
    public void GetAsync_TaskWhoseBodyIsTheGetCancelledInTheIterationOfAPut_TheItemIsNotLost() => Guard.Run(() =>
    {
        // asyncio's pattern: t = create_task(q.get()); ... t.cancel(). A get task that ends cancelled must not take the item.
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.TryPut(7).ShouldBeTrue();
            getter.Cancel();
        });

        getter.IsCompleted.ShouldBeTrue();
        if (getter.IsCompletedSuccessfully)
        {
            getter.Result.ShouldBe(7);
            sut.IsEmpty.ShouldBeTrue();
        }
        else
        {
            getter.IsCanceled.ShouldBeTrue();
            sut.Count.ShouldBe(1, "the get task ended cancelled, so the item must still be in the queue");
        }
    });

    [Fact]
    public void PutAsync_TaskWhoseBodyIsThePutCancelledInTheIterationOfAGet_PutsOnlyIfItCompletes() => Guard.Run(() =>
    {
        // asyncio's pattern: t = create_task(q.put(x)); ... t.cancel(). A put task that ends cancelled must not have put.
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(2));
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.TryGet(out int first).ShouldBeTrue();
            first.ShouldBe(1);
            putter.Cancel();
        });

        putter.IsCompleted.ShouldBeTrue();
        if (putter.IsCompletedSuccessfully)
        {
            sut.Count.ShouldBe(1);
        }
        else
        {
            putter.IsCanceled.ShouldBeTrue();
            sut.Count.ShouldBe(0, "the put task ended cancelled, so its item must not be in the queue");
        }
    });

    [Fact]
    public void PutAsync_CancelledByTokenWithAFullQueue_PutsNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        using var cts = new CancellationTokenSource();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        Task cancelled = test.Loop.CreateTask(async () => await sut.PutAsync(99, cts.Token));
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);
        cancelled.IsCanceled.ShouldBeTrue();

        List<int> taken = test.OnLoop(() => sut.Drain());

        taken.ShouldBe([1]);
        sut.IsEmpty.ShouldBeTrue();
        test.OnLoop(sut.TaskDone);
        test.OnLoop(() => Record.Exception(sut.TaskDone)).ShouldBeOfType<InvalidOperationException>("the cancelled put was not counted");
    });

    [Fact]
    public void PutAsync_CancelledByTaskCancelWithAFullQueue_PutsNothingAndTheNextPutterGetsTheRoom() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        Task cancelled = test.Loop.CreateTask(async () => await sut.PutAsync(99));
        Task next = test.Loop.CreateTask(async () => await sut.PutAsync(2));
        test.RunUntilIdle();

        test.OnLoop(() => cancelled.Cancel());
        cancelled.IsCanceled.ShouldBeTrue();

        int first = test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously());

        first.ShouldBe(1);
        next.IsCompletedSuccessfully.ShouldBeTrue();
        test.OnLoop(() => sut.Drain()).ShouldBe([2]);
    });

    [Fact]
    public void TaskDone_MoreTimesThanItems_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();

        Exception? error = test.OnLoop(() =>
        {
            sut.PutAll(1, 2);
            sut.TryGet(out _).ShouldBeTrue();
            sut.TryGet(out _).ShouldBeTrue();
            sut.TaskDone();
            sut.TaskDone();
            return Record.Exception(sut.TaskDone);
        });

        error.ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void TaskDone_OnANewQueue_ThrowsInvalidOperationException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();

        test.OnLoop(() => Record.Exception(sut.TaskDone)).ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void JoinAsync_NothingPut_CompletesSynchronously() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();

        test.OnLoop(() => sut.JoinAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void JoinAsync_ReturnsOnlyWhenEveryItemIsDone() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        test.OnLoop(() => sut.PutAll(1, 2));
        Task joiner = test.Loop.CreateTask(async () => await sut.JoinAsync());
        Task joiner2 = test.Loop.CreateTask(async () => await sut.JoinAsync());
        test.RunUntilIdle();

        test.OnLoop(() =>
        {
            sut.TryGet(out _).ShouldBeTrue();
            sut.TryGet(out _).ShouldBeTrue();
        });
        joiner.IsCompleted.ShouldBeFalse("taken is not done");

        test.OnLoop(sut.TaskDone);
        joiner.IsCompleted.ShouldBeFalse("one item is still unfinished");

        bool doneInsideTaskDone = true;
        test.OnLoop(() =>
        {
            sut.TaskDone();
            doneInsideTaskDone = joiner.IsCompleted;
        });

        doneInsideTaskDone.ShouldBeFalse();
        joiner.IsCompletedSuccessfully.ShouldBeTrue();
        joiner2.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void JoinAsync_ItemsHandedStraightToGettersOrThroughPutters_CountUntilDone() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();
        test.OnLoop(() => sut.PutAll(1, 2));
        test.Loop.CreateTask(async () => await sut.PutAsync(3));
        Task joiner = test.Loop.CreateTask(async () => await sut.JoinAsync());
        test.RunUntilIdle();
        getter.Result.ShouldBe(1);

        // As asyncio's put, the blocked putter's item enters when the putter resumes, after the get freed the room.
        test.OnLoop(() => sut.TryGet(out _).ShouldBeTrue());
        test.OnLoop(() =>
        {
            sut.TryGet(out int third).ShouldBeTrue();
            third.ShouldBe(3);
            sut.TaskDone();
            sut.TaskDone();
        });
        joiner.IsCompleted.ShouldBeFalse("three items were put; two are done");

        test.OnLoop(sut.TaskDone);
        joiner.IsCompletedSuccessfully.ShouldBeTrue();
        test.OnLoop(() => Record.Exception(sut.TaskDone)).ShouldBeOfType<InvalidOperationException>();
    });

    [Fact]
    public void JoinAsync_CancelledByToken_Throws() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        using var cts = new CancellationTokenSource();
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        Task joiner = test.Loop.CreateTask(async () => await sut.JoinAsync(cts.Token));
        test.RunUntilIdle();

        test.OnLoop(cts.Cancel);

        joiner.IsCanceled.ShouldBeTrue();
    });

    [Fact]
    public void Shutdown_NotImmediate_LaterPutsThrowQueueShutDownException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        test.OnLoop(() => sut.Shutdown());
        sut.IsShutDown.ShouldBeTrue();

        test.OnLoop(() => Record.Exception(() => sut.TryPut(1))).ShouldBeOfType<QueueShutDownException>();
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(1));
        test.RunUntilIdle();

        putter.IsFaulted.ShouldBeTrue();
        putter.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
        sut.IsEmpty.ShouldBeTrue();
    });

    [Fact]
    public void Shutdown_NotImmediate_GetsDrainTheItemsThenThrow() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        test.OnLoop(() =>
        {
            sut.PutAll(1, 2, 3);
            sut.Shutdown();
        });

        var taken = new List<int>();
        Exception? error = null;
        Task getter = test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                taken.Add(await sut.GetAsync());
            }

            try
            {
                await sut.GetAsync();
            }
            catch (QueueShutDownException exception)
            {
                error = exception;
            }
        });
        test.RunUntilIdle();

        getter.IsCompletedSuccessfully.ShouldBeTrue();
        taken.ShouldBe(ExpectedOrder([1, 2, 3]));
        error.ShouldNotBeNull("a get on a queue shut down and empty throws");
        test.OnLoop(() => Record.Exception(() => sut.TryGet(out _))).ShouldBeOfType<QueueShutDownException>();
        Task<int> late = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();
        late.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
    });

    [Fact]
    public void Shutdown_NotImmediate_WakesWaitingGettersWithQueueShutDownException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        var getters = new List<Task<int>>
        {
            test.Loop.CreateTask(async () => await sut.GetAsync()),
            test.Loop.CreateTask(async () => await sut.GetAsync()),
        };
        test.RunUntilIdle();

        bool wokenInsideShutdown = true;
        test.OnLoop(() =>
        {
            sut.Shutdown();
            wokenInsideShutdown = getters.Any(g => g.IsCompleted);
        });

        wokenInsideShutdown.ShouldBeFalse();
        foreach (Task<int> getter in getters)
        {
            getter.IsFaulted.ShouldBeTrue();
            getter.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
        }
    });

    [Fact]
    public void Shutdown_NotImmediate_WakesWaitingPuttersWithQueueShutDownExceptionAndKeepsItems() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 1);
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(2));
        test.RunUntilIdle();

        test.OnLoop(() => sut.Shutdown());

        putter.IsFaulted.ShouldBeTrue();
        putter.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
        sut.Count.ShouldBe(1, "the refused putter's item did not enter; the item already in stays");
        test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()).ShouldBe(1);
        test.OnLoop(() => Record.Exception(() => sut.TryGet(out _))).ShouldBeOfType<QueueShutDownException>();
    });

    [Fact]
    public void Shutdown_Immediate_DropsTheItemsAndJoinReturns() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 2);
        test.OnLoop(() => sut.PutAll(1, 2));
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(3));
        Task joiner = test.Loop.CreateTask(async () => await sut.JoinAsync());
        test.RunUntilIdle();

        test.OnLoop(() => sut.Shutdown(immediate: true));

        sut.Count.ShouldBe(0);
        sut.IsEmpty.ShouldBeTrue();
        sut.IsShutDown.ShouldBeTrue();
        joiner.IsCompletedSuccessfully.ShouldBeTrue();
        putter.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
        test.OnLoop(() => Record.Exception(() => sut.TryGet(out _))).ShouldBeOfType<QueueShutDownException>();
        test.OnLoop(() => Record.Exception(() => sut.TryPut(4))).ShouldBeOfType<QueueShutDownException>();
        test.OnLoop(() => sut.JoinAsync().ShouldCompleteSynchronously());
    });

    [Fact]
    public void Shutdown_Immediate_WakesWaitingGettersWithQueueShutDownException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        test.OnLoop(() => sut.Shutdown(immediate: true));

        getter.Exception!.InnerException.ShouldBeOfType<QueueShutDownException>();
    });

    [Fact]
    public void Shutdown_Immediate_ItemsTakenButNotDone_JoinWaitsForTheirTaskDone() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        test.OnLoop(() =>
        {
            sut.PutAll(1, 2, 3);
            sut.TryGet(out _).ShouldBeTrue();
        });
        Task joiner = test.Loop.CreateTask(async () => await sut.JoinAsync());
        test.RunUntilIdle();

        test.OnLoop(() => sut.Shutdown(immediate: true));
        joiner.IsCompleted.ShouldBeFalse("the item taken is not done yet");

        test.OnLoop(sut.TaskDone);
        joiner.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void AwaitForeach_ReadsItemsUntilShutdown() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        int[] first = [4, 2, 6];
        test.OnLoop(() => sut.PutAll(first));
        var read = new List<int>();
        Task reader = test.Loop.CreateTask(async () =>
        {
            await foreach (int item in sut)
            {
                read.Add(item);
            }
        });

        test.RunUntilIdle();
        read.ShouldBe(ExpectedOrder(first));
        reader.IsCompleted.ShouldBeFalse("an empty queue that is not shut down keeps the reader waiting");

        test.OnLoop(() => sut.TryPut(5).ShouldBeTrue());
        read.Last().ShouldBe(5);

        test.OnLoop(() =>
        {
            sut.TryPut(7).ShouldBeTrue();
            sut.Shutdown();
        });

        reader.IsCompletedSuccessfully.ShouldBeTrue();
        read.Count.ShouldBe(5, "the item put before the shutdown is still read");
        read.Last().ShouldBe(7);
    });

    [Fact]
    public void AwaitForeach_CancelledByTaskCancel_StopsWithoutTakingAnItem() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        var read = new List<int>();
        Task reader = test.Loop.CreateTask(async () =>
        {
            await foreach (int item in sut)
            {
                read.Add(item);
            }
        });
        test.RunUntilIdle();

        test.OnLoop(() => reader.Cancel());
        test.OnLoop(() => sut.TryPut(1).ShouldBeTrue());

        reader.IsCanceled.ShouldBeTrue();
        read.ShouldBeEmpty();
        sut.Count.ShouldBe(1);
    });

    [Fact]
    public void PutAsyncGetAsync_ProducerConsumerOf100000ItemsThroughABoundedQueue_SumMatches() => Guard.Run(() =>
    {
        const int Count = 100_000;
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 16);
        long sum = 0;
        int received = 0;
        int maxCount = 0;

        Task producer = test.Loop.CreateTask(async () =>
        {
            for (int i = 1; i <= Count; i++)
            {
                await sut.PutAsync(i);
                maxCount = Math.Max(maxCount, sut.Count);
            }
        });
        Task consumer = test.Loop.CreateTask(async () =>
        {
            for (int i = 0; i < Count; i++)
            {
                sum += await sut.GetAsync();
                received++;
                sut.TaskDone();
            }
        });
        Task joiner = test.Loop.CreateTask(async () =>
        {
            await producer;
            await sut.JoinAsync();
        });
        test.RunUntilIdle();

        producer.IsCompletedSuccessfully.ShouldBeTrue();
        consumer.IsCompletedSuccessfully.ShouldBeTrue();
        joiner.IsCompletedSuccessfully.ShouldBeTrue();
        received.ShouldBe(Count);
        sum.ShouldBe((long)Count * (Count + 1) / 2);
        maxCount.ShouldBeLessThanOrEqualTo(16);
        sut.IsEmpty.ShouldBeTrue();
    });

    [Fact]
    public void AwaitForeach_WorkersConsumeUntilJoinThenShutdown_SumMatches() => Guard.Run(() =>
    {
        const int Count = 100_000;
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 16);
        var sums = new long[3];

        long total = test.Loop.RunUntilComplete(async () =>
        {
            var workers = new Task[sums.Length];
            for (int w = 0; w < workers.Length; w++)
            {
                int id = w;
                workers[w] = test.Loop.CreateTask(async () =>
                {
                    await foreach (int item in sut)
                    {
                        sums[id] += item;
                        sut.TaskDone();
                    }
                });
            }

            for (int i = 1; i <= Count; i++)
            {
                await sut.PutAsync(i);
            }

            await sut.JoinAsync();
            sut.Shutdown();
            await AsyncIO.Gather(workers);
            return sums.Sum();
        });

        total.ShouldBe((long)Count * (Count + 1) / 2);
    });

    [Fact]
    public void TryPut_FromOtherThreadWhileLoopRuns_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Task<int> getter = test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        Exception? error = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => sut.TryPut(1)));

        error.ShouldBeMisuseFromOtherThread();
        getter.IsCompleted.ShouldBeFalse("the refused put must not have reached the getter");
    });

    [Fact]
    public void PutAsyncAndGetAsync_FromOtherThreadWhileLoopRuns_ThrowNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        test.Loop.CreateTask(async () => await sut.GetAsync());
        test.RunUntilIdle();

        Exception? putError = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.PutAsync(1))));
        Exception? getError = test.OnLoop(() => LoopTestHelpers.FromOtherThread(() => LoopTestHelpers.ThrowIfFaulted(sut.GetAsync())));

        putError.ShouldBeMisuseFromOtherThread();
        getError.ShouldBeMisuseFromOtherThread();
    });

    [Fact]
    public void TryGet_FromOtherThreadAfterUseOnLoop_ThrowsNamingThreadSafeEntryPoints() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();
        Exception? error = null;

        test.OnLoop(() =>
        {
            sut.TryPut(1).ShouldBeTrue();
            error = LoopTestHelpers.FromOtherThread(() => sut.TryGet(out _));
        });

        error.ShouldBeMisuseFromOtherThread();
        sut.Count.ShouldBe(1, "the refused get must not have taken the item");
    });

    [Fact]
    public void TryPutAndTryGet_WarmQueue_AllocateNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create();

        BindToLoop(test, sut);

        long allocated = test.OnLoop(() =>
        {
            return Allocations.Fewest(() => RoundTrips(sut));
        });

        allocated.ShouldBe(0);

        static void RoundTrips(LoopQueue<int> queue)
        {
            for (int i = 0; i < 1_000; i++)
            {
                for (int j = 0; j < 8; j++)
                {
                    queue.TryPut(j);
                }

                for (int j = 0; j < 8; j++)
                {
                    queue.TryGet(out _);
                    queue.TaskDone();
                }
            }
        }
    });

    [Fact]
    public void PutAsyncAndGetAsync_NoWaiting_AllocateNothing() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopQueue<int> sut = Create(maxSize: 16);
        BindToLoop(test, sut);

        long allocated = test.OnLoop(() =>
        {
            return Allocations.Fewest(() => RoundTrips(sut));
        });

        allocated.ShouldBe(0);

        static void RoundTrips(LoopQueue<int> queue)
        {
            for (int i = 0; i < 1_000; i++)
            {
                for (int j = 0; j < 8; j++)
                {
                    LoopTestHelpers.ConsumeCompleted(queue.PutAsync(j));
                }

                for (int j = 0; j < 8; j++)
                {
                    LoopTestHelpers.ConsumeCompleted(queue.GetAsync());
                }
            }
        }
    });

    /// <summary>
    /// Binds the queue to the loop the way a real use does (a get that waits, then the put that serves it), so that an
    /// allocation test measures the real, checked path.
    /// </summary>
    private static void BindToLoop(TestLoop test, LoopQueue<int> queue)
    {
        test.Loop.CreateTask(async () => await queue.GetAsync());
        test.RunUntilIdle();
        test.OnLoop(() => queue.TryPut(0).ShouldBeTrue());
    }
}

public sealed class LoopQueueContractTests : QueueContractTests
{
    private protected override LoopQueue<int> Create(int maxSize = 0) => new(maxSize);

    private protected override int[] ExpectedOrder(int[] items) => items;
}

public sealed class LoopLifoQueueContractTests : QueueContractTests
{
    private protected override LoopQueue<int> Create(int maxSize = 0) => new LoopLifoQueue<int>(maxSize);

    private protected override int[] ExpectedOrder(int[] items) => items.Reverse().ToArray();
}

public sealed class LoopPriorityQueueContractTests : QueueContractTests
{
    private protected override LoopQueue<int> Create(int maxSize = 0) => new LoopPriorityQueue<int>(maxSize);

    private protected override int[] ExpectedOrder(int[] items) => items.Order().ToArray();
}
