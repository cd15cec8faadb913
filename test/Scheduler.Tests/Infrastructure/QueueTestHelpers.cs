using System.Collections.Generic;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>Steps shared by the queue tests; call them on the loop (inside <see cref="LoopTestHelpers.OnLoop(TestLoop, System.Action)"/>).</summary>
internal static class QueueTestHelpers
{
    /// <summary>Puts <paramref name="items"/> in that order with <c>TryPut</c>, asserting that the queue takes each.</summary>
    public static void PutAll<T>(this LoopQueue<T> queue, params T[] items)
    {
        foreach (T item in items)
        {
            queue.TryPut(item).ShouldBeTrue();
        }
    }

    /// <summary>Takes every item the queue holds with <c>TryGet</c>, in the order the queue hands them out.</summary>
    public static List<T> Drain<T>(this LoopQueue<T> queue)
    {
        var items = new List<T>();
        while (queue.TryGet(out T item))
        {
            items.Add(item);
        }

        return items;
    }
}
