using System;
using System.Threading;

namespace Scheduler.Benchmarks.Infrastructure;

/// <summary>
/// Two producer threads, started once and reused by every invocation, so that thread creation stays out of the
/// measured region. <see cref="Start"/> releases both to run the given work once each.
/// </summary>
internal sealed class ProducerPair : IDisposable
{
    private readonly Thread[] _threads = new Thread[2];

    /// <summary>One gate per producer: with a shared one, a fast producer could take both releases.</summary>
    private readonly SemaphoreSlim[] _gates = [new(0), new(0)];
    private Action<int>? _work;
    private int _countEach;
    private volatile bool _disposed;

    /// <summary>The producers still inside the current run's work.</summary>
    private int _working;

    public ProducerPair()
    {
        for (int i = 0; i < _threads.Length; i++)
        {
            int index = i;
            _threads[i] = new Thread(() => Produce(index)) { IsBackground = true, Name = $"Producer {i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Each producer calls <paramref name="work"/>(<paramref name="countEach"/>) once, concurrently.</summary>
    public void Start(Action<int> work, int countEach)
    {
        _work = work;
        _countEach = countEach;
        Volatile.Write(ref _working, _threads.Length);

        // The semaphore's release publishes the fields to the producer it wakes.
        foreach (SemaphoreSlim gate in _gates)
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Waits until both producers have returned from the work: the last post may arrive before its poster has left the
    /// peer's code, and a peer that disposes its queue as its run ends (AsyncPump) would then fail the poster.
    /// </summary>
    public void WaitUntilFinished()
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _working) != 0)
        {
            spinner.SpinOnce();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (SemaphoreSlim gate in _gates)
        {
            gate.Release();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        foreach (SemaphoreSlim gate in _gates)
        {
            gate.Dispose();
        }
    }

    private void Produce(int index)
    {
        while (true)
        {
            _gates[index].Wait();
            if (_disposed)
            {
                return;
            }

            _work!(_countEach);
            Interlocked.Decrement(ref _working);
        }
    }
}
