using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class TimerHeapTests
{
    [Fact]
    public void CancelMostTimers_HeapRebuildsWithoutThem_AndTheRestRunInOrder() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var random = new Random(7);
        var ran = new List<int>();
        var handles = new List<(int Id, LoopTimerHandle Handle)>();
        for (int i = 0; i < 1000; i++)
        {
            int id = i;
            handles.Add((id, test.Loop.CallLater(TimeSpan.FromMilliseconds(random.Next(0, 500)), () => ran.Add(id))));
        }

        // Cancel 900 of them, enough to make the heap rebuild itself more than once.
        var kept = new List<(int Id, LoopTimerHandle Handle)>();
        foreach ((int id, LoopTimerHandle handle) in handles)
        {
            if (id % 10 == 0)
            {
                kept.Add((id, handle));
            }
            else
            {
                handle.Cancel();
            }
        }

        test.Loop.TimerCount.ShouldBe(100);
        test.Advance(TimeSpan.FromSeconds(1));

        kept.Sort((a, b) => a.Handle.When != b.Handle.When ? a.Handle.When.CompareTo(b.Handle.When) : a.Id.CompareTo(b.Id));
        ran.ShouldBe(kept.ConvertAll(k => k.Id));
        test.Loop.TimerCount.ShouldBe(0);
    });
}
