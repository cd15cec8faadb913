using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopPriorityQueueTests
{
    [Fact]
    public void GetAsync_DefaultComparer_SmallestFirst() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<int>();

        List<int> taken = test.OnLoop(() =>
        {
            sut.PutAll(5, 3, 9, 1, 7, 3);
            return sut.Drain();
        });

        taken.ShouldBe([1, 3, 3, 5, 7, 9]);
    });

    [Fact]
    public void GetAsync_CustomComparer_OrdersByIt() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<int>(comparer: Comparer<int>.Create((a, b) => b.CompareTo(a)));

        List<int> taken = test.OnLoop(() =>
        {
            sut.PutAll(5, 3, 9, 1, 7);
            return sut.Drain();
        });

        taken.ShouldBe([9, 7, 5, 3, 1]);
    });

    [Fact]
    public void GetAsync_PriorityItemTuples_OrderByPriorityThenItem() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<(int Priority, string Item)>();

        List<(int, string)> taken = test.OnLoop(() =>
        {
            sut.PutAll((2, "write"), (0, "urgent"), (1, "read"), (1, "log"));
            return sut.Drain();
        });

        taken.ShouldBe([(0, "urgent"), (1, "log"), (1, "read"), (2, "write")]);
    });

    [Fact]
    public void GetAsync_EqualPriorities_ComeOutInInsertionOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var byPriority = Comparer<(int Priority, string Item)>.Create((a, b) => a.Priority.CompareTo(b.Priority));
        var sut = new LoopPriorityQueue<(int Priority, string Item)>(comparer: byPriority);

        List<(int, string)> taken = test.OnLoop(() =>
        {
            sut.PutAll((1, "b1"), (0, "a1"), (1, "b2"), (0, "a2"), (1, "b3"), (0, "a3"));
            return sut.Drain();
        });

        taken.ShouldBe([(0, "a1"), (0, "a2"), (0, "a3"), (1, "b1"), (1, "b2"), (1, "b3")]);
    });

    [Fact]
    public void GetAsync_ManyItemsWithFewPriorities_MatchesAStableSort() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var byPriority = Comparer<(int Priority, int Sequence)>.Create((a, b) => a.Priority.CompareTo(b.Priority));
        var sut = new LoopPriorityQueue<(int Priority, int Sequence)>(comparer: byPriority);
        var random = new Random(1234);
        (int Priority, int Sequence)[] items = Enumerable.Range(0, 2_000).Select(i => (random.Next(5), i)).ToArray();

        List<(int, int)> taken = test.OnLoop(() =>
        {
            sut.PutAll(items);
            return sut.Drain();
        });

        taken.ShouldBe(items.OrderBy(item => item.Priority).ToList(), "LINQ's OrderBy is stable");
    });

    [Fact]
    public void GetAsync_InterleavedPutsAndGets_AlwaysTakesTheSmallest() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<int>();
        var random = new Random(42);
        var model = new List<int>();

        test.OnLoop(() =>
        {
            for (int step = 0; step < 5_000; step++)
            {
                if (model.Count == 0 || random.Next(3) > 0)
                {
                    int item = random.Next(100);
                    sut.TryPut(item).ShouldBeTrue();
                    model.Add(item);
                }
                else
                {
                    sut.TryGet(out int item).ShouldBeTrue();
                    int expected = model.Min();
                    item.ShouldBe(expected);
                    model.Remove(expected);
                }

                sut.Count.ShouldBe(model.Count);
            }
        });
    });

    [Fact]
    public void PutAsync_BackPressure_AWaitingPuttersItemEntersAndIsOrdered() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<int>(maxSize: 2);
        test.OnLoop(() => sut.PutAll(5, 1));
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(0));
        test.RunUntilIdle();

        var taken = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            taken.Add(test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()));
        }

        taken.ShouldBe([1, 0, 5]);
        putter.IsCompletedSuccessfully.ShouldBeTrue();
    });

    [Fact]
    public void Shutdown_Immediate_EmptiesTheHeap() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopPriorityQueue<string>();
        test.OnLoop(() =>
        {
            sut.PutAll("b", "a");
            sut.Shutdown(immediate: true);
        });

        sut.Count.ShouldBe(0);
        test.OnLoop(() => Record.Exception(() => sut.TryGet(out _))).ShouldBeOfType<QueueShutDownException>();
    });
}
