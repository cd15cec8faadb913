namespace Scheduler;

/// <summary>A queue that hands out the item put last first. <para>Equivalent to asyncio's <c>asyncio.LifoQueue</c>.</para></summary>
/// <remarks>Loop-affine and not thread-safe, as <see cref="LoopQueue{T}"/>.</remarks>
public sealed class LoopLifoQueue<T> : LoopQueue<T>
{
    /// <summary>Creates a LIFO queue holding at most <paramref name="maxSize"/> items (0: no bound).</summary>
    public LoopLifoQueue(int maxSize = 0)
        : base(maxSize, new LifoStorage<T>())
    {
    }
}
