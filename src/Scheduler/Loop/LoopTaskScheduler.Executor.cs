using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    private volatile bool _executorShutdown;
    private TaskCompletionSource<bool>? _executorIdle;

    /// <summary>The loop closed: nothing waits for the executor to go idle any more.</summary>
    private void CloseExecutor() => _executorIdle = null;

    /// <summary>
    /// Runs <paramref name="func"/> on <paramref name="executor"/> (null: the thread pool) and returns its result as a
    /// task; code awaiting it on the loop resumes on the loop thread. While it runs, an auto-advancing clock holds still.
    /// <para>Equivalent to asyncio's <c>loop.run_in_executor</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed, runs on another thread, or its default executor was shut down.</exception>
    public Task<T> RunInExecutor<T>(TaskScheduler? executor, Func<T> func)
    {
        if (func is null)
        {
            throw new ArgumentNullException(nameof(func));
        }

        return StartExecutorWork(executor, new ExecutorWork<T>(this, func));
    }

    /// <summary>Runs <paramref name="action"/> on <paramref name="executor"/> (null: the thread pool); see <see cref="RunInExecutor{T}(TaskScheduler?, Func{T})"/>.</summary>
    /// <exception cref="InvalidOperationException">The loop is closed, runs on another thread, or its default executor was shut down.</exception>
    public Task RunInExecutor(TaskScheduler? executor, Action action)
    {
        if (action is null)
        {
            throw new ArgumentNullException(nameof(action));
        }

        return StartExecutorWork(executor, new ExecutorWork<VoidResult>(this, () =>
        {
            action();
            return default;
        }));
    }

    /// <summary>
    /// Refuses new work on the default executor and returns a task that completes once the executor work this loop
    /// started has finished. Equivalent to asyncio's <c>loop.shutdown_default_executor()</c>.
    /// </summary>
    public Task ShutdownDefaultExecutorAsync()
    {
        _executorShutdown = true;
        if (_inbox.ExternalCount == 0)
        {
            return Task.CompletedTask;
        }

        var idle = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<bool> current = Interlocked.CompareExchange(ref _executorIdle, idle, null) ?? idle;
        if (_inbox.ExternalCount == 0)
        {
            current.TrySetResult(true);
        }

        return current.Task;
    }

    private Task<T> StartExecutorWork<T>(TaskScheduler? executor, ExecutorWork<T> work)
    {
        ThrowIfClosed();
        CheckThread(nameof(RunInExecutor));
        if (executor is null && _executorShutdown)
        {
            throw new InvalidOperationException("The default executor was shut down (ShutdownDefaultExecutorAsync): start no new work on it.");
        }

        _inbox.BeginExternal();
        try
        {
            _ = Task.Factory.StartNew(ExecutorWork<T>.RunAction, work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, executor ?? TaskScheduler.Default);
        }
        catch
        {
            _inbox.EndExternal();
            throw;
        }

        return work.Task;
    }

    private void EndExecutorWork()
    {
        _inbox.EndExternal();
        if (_inbox.ExternalCount == 0)
        {
            Interlocked.Exchange(ref _executorIdle, null)?.TrySetResult(true);
        }
    }

    /// <summary>One function run off the loop, whose completion the loop counts.</summary>
    private sealed class ExecutorWork<T>(LoopTaskScheduler loop, Func<T> func)
    {
        public static readonly Action<object?> RunAction = static state => ((ExecutorWork<T>)state!).Run();

        private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _promise.Task;

        private void Run()
        {
            try
            {
                _promise.TrySetResult(func());
            }
            catch (OperationCanceledException exception)
            {
                _promise.TrySetCanceled(exception.CancellationToken);
            }
            catch (Exception exception)
            {
                _promise.TrySetException(exception);
            }
            finally
            {
                // After the result: its continuations are already posted, so the loop never looks idle in between.
                loop.EndExecutorWork();
            }
        }
    }
}
