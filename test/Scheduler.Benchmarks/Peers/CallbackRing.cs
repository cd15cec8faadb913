using System;
using System.Threading;

namespace Scheduler.Benchmarks.Peers;

/// <summary>
/// The floor under every queue: a preallocated single-producer, single-consumer lock-free ring of
/// <c>(callback, state)</c> structs. No wake-up, no growth, no context: only enqueue, dequeue and invoke.
/// </summary>
internal sealed class CallbackRing
{
    private readonly Slot[] _slots;
    private readonly int _mask;

    /// <summary>The next slot to read; written by the consumer only.</summary>
    private int _head;

    /// <summary>The next slot to write; written by the producer only, published with a release write.</summary>
    private int _tail;

    public CallbackRing(int capacityPowerOfTwo)
    {
        if (capacityPowerOfTwo <= 0 || (capacityPowerOfTwo & (capacityPowerOfTwo - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityPowerOfTwo), "The capacity must be a power of two.");
        }

        _slots = new Slot[capacityPowerOfTwo];
        _mask = capacityPowerOfTwo - 1;
    }

    /// <summary>Adds a callback; false when the ring is full.</summary>
    public bool TryEnqueue(Action<object?> callback, object? state)
    {
        int tail = _tail;
        if (tail - Volatile.Read(ref _head) == _slots.Length)
        {
            return false;
        }

        ref Slot slot = ref _slots[tail & _mask];
        slot.Callback = callback;
        slot.State = state;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    /// <summary>Takes and invokes the oldest callback; false when the ring is empty.</summary>
    public bool TryRunOne()
    {
        int head = _head;
        if (head == Volatile.Read(ref _tail))
        {
            return false;
        }

        ref Slot slot = ref _slots[head & _mask];
        Action<object?> callback = slot.Callback!;
        object? state = slot.State;
        slot = default;
        Volatile.Write(ref _head, head + 1);
        callback(state);
        return true;
    }

    private struct Slot
    {
        public Action<object?>? Callback;
        public object? State;
    }
}
