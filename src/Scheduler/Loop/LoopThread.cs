using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A <see cref="LoopTaskScheduler"/> running <see cref="LoopTaskScheduler.RunForever"/> on a thread of its own, for TPL
/// code elsewhere to schedule onto: <c>new TaskFactory(thread.Loop).StartNew(...)</c> (Nito.AsyncEx's
/// <c>AsyncContextThread</c>).
/// </summary>
/// <remarks>All members are thread-safe. Disposing runs what was queued before, then stops, joins and closes the loop.</remarks>
public sealed class LoopThread : IDisposable, IAsyncDisposable
{
    private readonly Thread _thread;
    private readonly TaskCompletionSource<bool> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>Creates the loop and starts its thread (a background thread named after <see cref="LoopOptions.Name"/>);
    /// returns once the loop runs.</summary>
    public LoopThread(LoopOptions? options = null)
    {
        Loop = new LoopTaskScheduler(options);
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = options?.Name ?? "LoopThread",
        };
        // Returns once the loop runs, so that from here on it is "running on another thread" for every check.
        using var running = new ManualResetEventSlim();
        Loop.CallSoonThreadSafe(running.Set);
        _thread.Start();
        running.Wait();
    }

    /// <summary>The loop: a <see cref="TaskScheduler"/> for <c>TaskFactory</c>, and the target of <c>CallSoonThreadSafe</c>.</summary>
    public LoopTaskScheduler Loop { get; }

    /// <summary>A <see cref="TaskFactory"/> whose tasks run on the loop.</summary>
    public TaskFactory Factory => new(Loop);

    /// <summary>The managed id of the loop's thread.</summary>
    public int ManagedThreadId => _thread.ManagedThreadId;

    /// <summary>Runs what was queued before this call, then stops the loop, waits for its thread and closes it. Idempotent.</summary>
    /// <exception cref="InvalidOperationException">Called on the loop's own thread, which cannot wait for itself.</exception>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        _thread.Join();
        Loop.Close();
    }

    /// <summary>As <see cref="Dispose"/>, without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        await _exited.Task.ConfigureAwait(false);
        Loop.Close();
    }

    private bool BeginDispose()
    {
        if (Environment.CurrentManagedThreadId == _thread.ManagedThreadId)
        {
            throw new InvalidOperationException("A LoopThread cannot be disposed from its own thread: dispose it from another thread.");
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        // Queued behind everything already posted, so none of it is lost.
        try
        {
            Loop.CallSoonThreadSafe(Loop.Stop);
        }
        catch (InvalidOperationException)
        {
            Loop.Stop();
        }

        return true;
    }

    private void Run()
    {
        try
        {
            Loop.RunForever();
        }
        finally
        {
            _exited.TrySetResult(true);
        }
    }
}
