using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public static partial class LoopExtensions
{
    /// <summary>Runs <paramref name="func"/> on the thread pool: through the running loop's default executor when there is one
    /// (so <c>AutoAdvance</c> waits for it), else with <see cref="Task.Run{TResult}(Func{TResult})"/>. The caller's
    /// <see cref="ExecutionContext"/> flows.</summary>
    internal static Task<T> ToThread<T>(Func<T> func) =>
        LoopTaskScheduler.Running is { } loop ? loop.RunInExecutor(null, func) : Task.Run(func);

    /// <summary>
    /// Starts <paramref name="body"/> as a task of <paramref name="loop"/> from any thread; the returned task completes off the
    /// loop too, and cancelling it cancels the loop-side task.
    /// </summary>
    internal static Task<T> RunCoroutineThreadSafe<T>(Func<Task<T>> body, LoopTaskScheduler loop) => StartThreadSafe<T>(body, loop);

    /// <summary>As <see cref="RunCoroutineThreadSafe{T}(Func{Task{T}}, LoopTaskScheduler)"/>, for a body without a result.</summary>
    internal static Task RunCoroutineThreadSafe(Func<Task> body, LoopTaskScheduler loop) => StartThreadSafe<VoidResult>(body, loop);

    /// <param name="body">A <c>Func&lt;Task&lt;T&gt;&gt;</c>, or a <c>Func&lt;Task&gt;</c> with <typeparamref name="T"/> <see cref="VoidResult"/>.</param>
    /// <param name="loop">The loop to run it on.</param>
    private static Task<T> StartThreadSafe<T>(Delegate? body, LoopTaskScheduler loop)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        if (loop is null)
        {
            throw new ArgumentNullException(nameof(loop));
        }

        var future = new ThreadSafeFuture<T>(loop, body);
        loop.CallSoonThreadSafe(static state => ((ThreadSafeFuture<T>)state!).Start(), future);
        return (Task<T>)future.Task;
    }

    /// <summary>asyncio's <c>concurrent.futures.Future</c> for <c>run_coroutine_threadsafe</c>.</summary>
    private sealed class ThreadSafeFuture<T> : LoopTaskState
    {
        private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LoopTaskScheduler _loop;
        private Delegate? _body;
        private Task? _inner;
        private volatile bool _cancelRequested;

        public ThreadSafeFuture(LoopTaskScheduler loop, Delegate body)
            : base(null)
        {
            _loop = loop;
            _body = body;
            Register(_promise.Task, this);
        }

        public override Task Task => _promise.Task;

        public override LoopTaskScheduler Loop => _loop;

        public void Start()
        {
            Delegate body = _body!;
            _body = null;
            if (_cancelRequested)
            {
                _promise.TrySetCanceled();
                return;
            }

            try
            {
                _inner = body is Func<Task<T>> withResult ? _loop.CreateTask(withResult, null) : _loop.CreateTask((Func<Task>)body, null);
            }
            catch (Exception exception)
            {
                _promise.TrySetException(exception);
                return;
            }

            _ = _inner.ContinueWith(
                static (inner, state) =>
                {
                    var promise = (TaskCompletionSource<T>)state!;
                    if (inner.IsFaulted)
                    {
                        promise.TrySetException(inner.Exception!.InnerExceptions);
                    }
                    else if (inner.IsCanceled)
                    {
                        promise.TrySetCanceled();
                    }
                    else
                    {
                        promise.TrySetResult(inner is Task<T> typed ? typed.Result : default!);
                    }
                },
                _promise,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        public override bool RequestCancel()
        {
            if (_promise.Task.IsCompleted)
            {
                return false;
            }

            _cancelRequested = true;
            try
            {
                _loop.CallSoonThreadSafe(static state => ((ThreadSafeFuture<T>)state!)._inner?.Cancel(), this);
            }
            catch (InvalidOperationException)
            {
                _promise.TrySetCanceled();
            }

            return true;
        }
    }
}
