namespace Scheduler;

/// <summary>An object a <see cref="LoopObjectPool{T}"/> keeps: it carries its number there.</summary>
internal interface IPoolable
{
    /// <summary>The object's number in its pool, in the order objects were made; -1 until it is adopted.</summary>
    int PoolNumber { get; set; }
}
