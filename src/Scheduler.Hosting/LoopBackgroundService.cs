using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Scheduler.Hosting;

/// <summary>
/// A hosted service whose <see cref="ExecuteAsync"/> runs on a loop thread, as a loop task: its code and every
/// <c>await</c> continuation in it run on that one thread, so the service's state needs no locks, and the asyncio
/// operations (<see cref="AsyncIO.Sleep(TimeSpan, CancellationToken)"/>, <see cref="TaskGroup"/>, the loop's queues and
/// locks) work in it. The loop counterpart of <see cref="BackgroundService"/>.
/// </summary>
/// <remarks>
/// <para>Threading: the host calls <see cref="StartAsync"/>, <see cref="StopAsync"/> and <see cref="Dispose()"/> from
/// its own threads; they only queue work on the loop and wait for it. <see cref="ExecuteAsync"/> and the callbacks of
/// its stopping token run on the loop thread.</para>
/// <para>Register the loop with <c>services.AddLoopThread(name)</c> and the service with
/// <c>services.AddHostedService&lt;MyService&gt;()</c>; take the <see cref="Scheduler.LoopThread"/> in the constructor
/// (keyed by the loop's name with <c>[FromKeyedServices(name)]</c> when there are several loops).</para>
/// <para>Differs from <see cref="BackgroundService"/>: when <see cref="ExecuteAsync"/> fails, the failure goes to the
/// loop's exception handler (an <c>ILogger</c> under <c>AddLoopThread</c>) and the service ends, but the host keeps
/// running: the host applies its <c>BackgroundServiceExceptionBehavior</c> to <see cref="BackgroundService"/>s only.</para>
/// </remarks>
public abstract class LoopBackgroundService : IHostedService, IDisposable
{
    private CancellationTokenSource? _stoppingCts;
    private Task? _executeTask;

    /// <summary>Creates the service over <paramref name="loopThread"/>. Threading: any thread.</summary>
    /// <param name="loopThread">The loop that runs <see cref="ExecuteAsync"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loopThread"/> is null.</exception>
    protected LoopBackgroundService(LoopThread loopThread)
    {
        LoopThread = loopThread ?? throw new ArgumentNullException(nameof(loopThread));
    }

    /// <summary>The loop thread that runs <see cref="ExecuteAsync"/>. Threading: any thread.</summary>
    protected LoopThread LoopThread { get; }

    /// <summary>The loop that runs <see cref="ExecuteAsync"/>; its loop-affine members are for use inside it.
    /// Threading: the property, any thread.</summary>
    protected LoopTaskScheduler Loop => LoopThread.Loop;

    /// <summary>
    /// The task of <see cref="ExecuteAsync"/>, once <see cref="StartAsync"/> queued it (null before): it ends when
    /// <see cref="ExecuteAsync"/> does, faulted or cancelled as it did. Threading: any thread.
    /// </summary>
#pragma warning disable VSTHRD003 // Handing out the service's task is the point, as BackgroundService.ExecuteTask does.
    public virtual Task? ExecuteTask => _executeTask;
#pragma warning restore VSTHRD003

    /// <summary>
    /// The service's work, run on the loop thread as a loop task named after the service's type (so
    /// <see cref="AsyncIO.CurrentTask"/>, <see cref="AsyncIO.GetRunningLoop"/> and <see cref="TaskGroup"/> work in it). It
    /// starts in a later loop iteration than <see cref="StartAsync"/>'s call, never inline on the host's thread.
    /// </summary>
    /// <param name="stoppingToken">Cancelled, on the loop thread, when the host stops the service; pass it to the awaits
    /// that should end then (<c>AsyncIO.Sleep(delay, stoppingToken)</c>, <c>queue.GetAsync(stoppingToken)</c>).</param>
    /// <returns>The work; the service has stopped when it ends.</returns>
    /// <remarks>Threading: runs on the loop thread, and so does every <c>await</c> continuation in it.</remarks>
    protected abstract Task ExecuteAsync(CancellationToken stoppingToken);

    /// <summary>
    /// Queues <see cref="ExecuteAsync"/> on the loop and returns at once, with a completed task.
    /// </summary>
    /// <param name="cancellationToken">The host's start-up token; unused, as starting does not wait.</param>
    /// <returns>A completed task.</returns>
    /// <remarks>Threading: any thread but the loop's; never blocks.</remarks>
    /// <exception cref="InvalidOperationException">The loop thread was disposed (its loop is closed).</exception>
    public virtual Task StartAsync(CancellationToken cancellationToken)
    {
        var stoppingCts = new CancellationTokenSource();
        _stoppingCts = stoppingCts;
        LoopTaskScheduler loop = Loop;
        string name = GetType().Name;
        _executeTask = new TaskFactory(loop).StartNew(() => loop.CreateTask(() => RunAsync(stoppingCts.Token), name)).Unwrap();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Cancels the stopping token (on the loop thread) and waits until <see cref="ExecuteAsync"/> ends or
    /// <paramref name="cancellationToken"/> says the host stops waiting. A failure of <see cref="ExecuteAsync"/> was
    /// reported to the loop's exception handler when it happened and is not thrown here.
    /// </summary>
    /// <param name="cancellationToken">The host's shutdown timeout.</param>
    /// <returns>A task that ends when the service has stopped or the host gave up waiting.</returns>
    /// <remarks>Threading: any thread but the loop's (waiting there would block the service it waits for).</remarks>
    public virtual async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? executeTask = _executeTask;
        if (executeTask is null)
        {
            return;
        }

        SignalStop();
        var hostGaveUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), hostGaveUp))
        {
            await Task.WhenAny(executeTask, hostGaveUp.Task).ConfigureAwait(false);
        }

        if (executeTask.IsFaulted)
        {
            // Reported to the loop's exception handler already; read here so the runtime does not report it again.
            _ = executeTask.Exception;
        }
    }

    /// <summary>Cancels the stopping token, if the service started. Threading: any thread; never blocks.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels the stopping token when <paramref name="disposing"/>; override to release more.
    /// Threading: any thread; never blocks.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            SignalStop();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ExecuteAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw; // stopped by the host: not a failure
        }
        catch (Exception exception)
        {
            Loop.CallExceptionHandler(new LoopExceptionContext($"{GetType().Name}.ExecuteAsync failed; the service has stopped.")
            {
                Exception = exception,
                Task = AsyncIO.CurrentTask(),
            });
            throw;
        }
    }

    /// <summary>
    /// Cancels the stopping token on the loop thread, so that its callbacks (registered by the service's own code) run
    /// there too; directly if the loop is already closed, when nothing of the service runs on it any more.
    /// </summary>
    private void SignalStop()
    {
        CancellationTokenSource? stoppingCts = _stoppingCts;
        if (stoppingCts is null)
        {
            return;
        }

        try
        {
            Loop.CallSoonThreadSafe(static state => ((CancellationTokenSource)state!).Cancel(), stoppingCts);
        }
        catch (InvalidOperationException)
        {
            stoppingCts.Cancel();
        }
    }
}
