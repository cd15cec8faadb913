using System.Collections.Generic;

namespace Scheduler;

/// <summary>
/// A queue that hands out its smallest item first, by an <see cref="IComparer{T}"/> (default <see cref="Comparer{T}.Default"/>,
/// so a <c>(priority, item)</c> tuple orders by priority); equal items in insertion order.
/// <para>Equivalent to asyncio's <c>asyncio.PriorityQueue</c>.</para>
/// </summary>
/// <remarks>Loop-affine and not thread-safe, as <see cref="LoopQueue{T}"/>.</remarks>
public sealed class LoopPriorityQueue<T> : LoopQueue<T>
{
    /// <summary>Creates a priority queue holding at most <paramref name="maxSize"/> items (0: no bound).</summary>
    public LoopPriorityQueue(int maxSize = 0, IComparer<T>? comparer = null)
        : base(maxSize, new PriorityStorage<T>(comparer ?? Comparer<T>.Default))
    {
    }
}
