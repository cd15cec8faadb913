using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class LoopLifoQueueTests
{
    [Fact]
    public void GetAsync_ManyItems_LastInFirstOut() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLifoQueue<string>();

        List<string> taken = test.OnLoop(() =>
        {
            sut.PutAll("a", "b", "c", "d");
            return Enumerable.Range(0, 4).Select(_ => sut.GetAsync().ShouldCompleteSynchronously()).ToList();
        });

        taken.ShouldBe(["d", "c", "b", "a"]);
    });

    [Fact]
    public void GetAsync_InterleavedPutsAndGets_AlwaysTakesTheNewest() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLifoQueue<int>();

        List<int> taken = test.OnLoop(() =>
        {
            var result = new List<int>();
            sut.TryPut(1);
            sut.TryPut(2);
            sut.TryGet(out int a);
            result.Add(a);
            sut.TryPut(3);
            sut.TryPut(4);
            while (sut.TryGet(out int item))
            {
                result.Add(item);
            }

            return result;
        });

        taken.ShouldBe([2, 4, 3, 1]);
    });

    [Fact]
    public void PutAsync_BackPressure_AWaitingPuttersItemEntersWhenRoomIsFreed() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var sut = new LoopLifoQueue<int>(maxSize: 2);
        test.OnLoop(() => sut.PutAll(1, 2));
        Task putter = test.Loop.CreateTask(async () => await sut.PutAsync(3));
        test.RunUntilIdle();

        var taken = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            taken.Add(test.OnLoop(() => sut.GetAsync().ShouldCompleteSynchronously()));
        }

        taken.ShouldBe([2, 3, 1], "2 is the newest; 3 enters when 2 leaves and is then the newest");
        putter.IsCompletedSuccessfully.ShouldBeTrue();
    });
}
