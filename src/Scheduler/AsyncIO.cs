using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// asyncio's module functions: <c>asyncio.run</c>, <c>sleep</c>, <c>gather</c>, <c>get_running_loop</c> and the rest.
/// Thin: each delegates to the loop or to <see cref="LoopExtensions"/>.
/// </summary>
/// <remarks>Thread-safety is stated per member. Functions that need a loop use the one running on the calling thread.</remarks>
public static partial class AsyncIO
{
    /// <summary>This thread's event loop for <see cref="GetEventLoop"/>, set by <see cref="SetEventLoop"/>.</summary>
#pragma warning disable IDE1006 // t_ marks a thread-static, as in the runtime's code.
    [ThreadStatic]
    private static LoopTaskScheduler? t_eventLoop;
#pragma warning restore IDE1006

    /// <summary>
    /// Runs <paramref name="main"/> on a new loop on the calling thread and returns when it ends: then waits for
    /// <c>async void</c> work, cancels the tasks still pending and waits for them (their failures go to the exception
    /// handler), shuts the default executor down and closes the loop. Rethrows main's exception, unwrapped.
    /// <para>Equivalent to asyncio's <c>asyncio.run(main())</c>. The legacy-Main use:
    /// <c>static int Main(string[] a) => AsyncIO.Run(() => MainAsync(a));</c></para>
    /// </summary>
    /// <remarks>A first Ctrl+C cancels the main task (its <c>finally</c> blocks and awaits run), and <c>Run</c> then throws
    /// the cancellation; a second one while that cleanup runs ends the process. SIGTERM the same way with
    /// <see cref="LoopOptions.CancelOnSigterm"/>. As asyncio 3.11's runner.</remarks>
    /// <exception cref="InvalidOperationException">A loop is running on this thread: await the task instead.</exception>
    /// <exception cref="OperationCanceledException">Ctrl+C cancelled the main task.</exception>
    public static void Run(Func<Task> main, LoopOptions? options = null)
    {
        if (main is null)
        {
            throw new ArgumentNullException(nameof(main));
        }

        // Main itself is the task's body, not a wrapper: dumps and reports then name the user's method.
        RunOnNewLoop(options, loop =>
        {
            RunMain(loop, loop.CreateTask(main), options);
            return default(VoidResult);
        });
    }

    /// <summary>Runs <paramref name="main"/> on a new loop and returns its result; see <see cref="Run(Func{Task}, LoopOptions?)"/>.</summary>
    /// <exception cref="InvalidOperationException">A loop is running on this thread.</exception>
    public static T Run<T>(Func<Task<T>> main, LoopOptions? options = null)
    {
        if (main is null)
        {
            throw new ArgumentNullException(nameof(main));
        }

        return RunOnNewLoop(options, loop =>
        {
            Task<T> task = loop.CreateTask(main);
            RunMain(loop, task, options);
            return task.GetAwaiter().GetResult();
        });
    }

    /// <summary>Runs the loop until the main task ends, a first Ctrl+C (or SIGTERM if opted in) cancelling it; rethrows its exception.</summary>
    private static void RunMain(LoopTaskScheduler loop, Task main, LoopOptions? options)
    {
        using (Interrupts.Install(loop, main, options))
        {
            loop.RunUntilComplete(main);
        }
    }

    private static T RunOnNewLoop<T>(LoopOptions? options, Func<LoopTaskScheduler, T> runMain)
    {
        if (LoopTaskScheduler.Running is not null)
        {
            throw new InvalidOperationException("AsyncIO.Run cannot be called while an event loop is running on this thread: await the task instead.");
        }

        var loop = new LoopTaskScheduler(options);
        t_eventLoop = loop;
        try
        {
            return runMain(loop);
        }
        finally
        {
            try
            {
                Shutdown(loop);
            }
            finally
            {
                t_eventLoop = null;
                loop.Close();
            }
        }
    }

    private static void Shutdown(LoopTaskScheduler loop)
    {
        loop.RunUntilComplete(loop.WhenOperationsCompleted());
        CancelAllTasks(loop);
        loop.RunUntilComplete(loop.ShutdownDefaultExecutorAsync());
    }

    private static void CancelAllTasks(LoopTaskScheduler loop)
    {
        List<Task> pending = loop.PendingTasks();
        if (pending.Count == 0)
        {
            return;
        }

        foreach (Task task in pending)
        {
            task.Cancel();
        }

        // Cancel, then wait, as asyncio.run does, but not past the grace period: a task in a plain await of work that
        // never ends cannot take the cancellation, and the program would hang on its way out.
        TimeSpan grace = loop.CancellationGracePeriod;
        loop.RunUntilComplete(Wait(pending, ReturnWhen.AllCompleted, Deadline.IsInfinite(grace) ? null : grace));
        var cleaningUp = new List<Task>();
        foreach (Task task in pending)
        {
            if (task.IsCompleted)
            {
                continue;
            }

            if (!LoopTaskState.HasUndeliveredCancel(task))
            {
                cleaningUp.Add(task); // It took the cancellation; its cleanup may await: wait for it, as asyncio does.
                continue;
            }

            loop.CallExceptionHandler(new LoopExceptionContext(
                $"The task {task.GetName()} did not take, within {Durations.Format(grace)} (LoopOptions.CancellationGracePeriod), " +
                $"the cancellation AsyncIO.Run gave it at shutdown: the loop closes without it.{Environment.NewLine}{TaskDump.Chain(task)}")
            {
                Task = task,
            });
        }

        if (cleaningUp.Count > 0)
        {
            loop.RunUntilComplete(Wait(cleaningUp));
        }

        foreach (Task task in pending)
        {
            if (task.IsFaulted)
            {
                loop.CallExceptionHandler(new LoopExceptionContext("unhandled exception during AsyncIO.Run() shutdown")
                {
                    Exception = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException : task.Exception,
                    Task = task,
                });
            }
        }
    }

    /// <summary>The loop running on the calling thread. Equivalent to asyncio's <c>asyncio.get_running_loop()</c>.</summary>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static LoopTaskScheduler GetRunningLoop() => LoopTaskScheduler.RunningOrThrow();

    /// <summary>
    /// The running loop; else this thread's loop (<see cref="SetEventLoop"/>); else a new loop, set as this thread's.
    /// <para>Equivalent to asyncio's <c>asyncio.get_event_loop()</c> before Python 3.14, which the classic examples use.</para>
    /// </summary>
    public static LoopTaskScheduler GetEventLoop() => LoopTaskScheduler.Running ?? (t_eventLoop ??= new LoopTaskScheduler());

    /// <summary>Sets (or, with null, clears) the calling thread's loop. Equivalent to asyncio's <c>asyncio.set_event_loop</c>.</summary>
    public static void SetEventLoop(LoopTaskScheduler? loop) => t_eventLoop = loop;

    /// <summary>A new loop, not set for any thread. Equivalent to asyncio's <c>asyncio.new_event_loop()</c>.</summary>
    public static LoopTaskScheduler NewEventLoop() => new();

    /// <summary>
    /// Suspends the caller for <paramref name="delay"/> (negative counts as zero; zero still yields one iteration). On a loop
    /// it is a loop timer: no thread-pool hop, no allocation in steady state, and the caller resumes on the loop. Off a
    /// loop it is <see cref="Task.Delay(TimeSpan, CancellationToken)"/>. Always yields on a loop.
    /// Inside a loop task, a pending <c>Cancel()</c> ends it with <see cref="OperationCanceledException"/>.
    /// <para>Equivalent to asyncio's <c>asyncio.sleep</c>.</para>
    /// </summary>
    public static ValueTask Sleep(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        if (LoopTaskScheduler.Running is { } loop)
        {
            return loop.Sleep(delay, cancellationToken);
        }

        return new ValueTask(Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, cancellationToken));
    }

    /// <summary>Sleeps for <paramref name="seconds"/>; see <see cref="Sleep(TimeSpan, CancellationToken)"/>.</summary>
    public static ValueTask Sleep(double seconds, CancellationToken cancellationToken = default) =>
        Sleep(seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)(Math.Max(seconds, 0) * TimeSpan.TicksPerSecond)), cancellationToken);

    /// <summary>Every result in argument order; the first failure ends it at once. Thread-safe.
    /// <para>Equivalent to asyncio's <c>asyncio.gather(*aws)</c>.</para></summary>
    public static Task<T[]> Gather<T>(params Task<T>[] tasks) => LoopExtensions.Gather(tasks);

    /// <summary>Completes once every task succeeded; the first failure ends it at once. Thread-safe.
    /// <para>Equivalent to asyncio's <c>asyncio.gather(*aws)</c>.</para></summary>
    public static Task Gather(params Task[] tasks) => LoopExtensions.Gather(tasks);

    /// <summary>Waits for all and returns the very tasks given, completed, in argument order. Thread-safe.
    /// <para>Equivalent to asyncio's <c>gather(..., return_exceptions=True)</c>.</para></summary>
    public static Task<Task<T>[]> GatherSettled<T>(params Task<T>[] tasks) => LoopExtensions.GatherSettled(tasks);

    /// <summary>Waits for all and returns the very tasks given, completed, in argument order. Thread-safe.</summary>
    public static Task<Task[]> GatherSettled(params Task[] tasks) => LoopExtensions.GatherSettled(tasks);

    /// <summary>
    /// Runs <paramref name="body"/> with a token that fires at <paramref name="delay"/>; at that moment the loop-aware
    /// await the calling loop task is in ends too, and the <see cref="OperationCanceledException"/> this causes comes out
    /// as <see cref="TimeoutException"/>. Other cancellations pass through. On a loop the deadline is a loop timer.
    /// <para>Equivalent to asyncio's <c>async with asyncio.timeout(delay)</c>.</para>
    /// </summary>
    public static Task<T> Timeout<T>(TimeSpan delay, Func<CancellationToken, Task<T>> body) => LoopExtensions.Timeout(delay, body);

    /// <summary>Runs <paramref name="body"/> with a deadline; see <see cref="Timeout{T}(TimeSpan, Func{CancellationToken, Task{T}})"/>.</summary>
    public static Task Timeout(TimeSpan delay, Func<CancellationToken, Task> body)
    {
        if (body is null)
        {
            throw new ArgumentNullException(nameof(body));
        }

        return LoopExtensions.Timeout<VoidResult>(delay, async token =>
        {
            await body(token);
            return default;
        });
    }

    /// <summary>
    /// Waits until <paramref name="returnWhen"/> holds or <paramref name="timeout"/> passes, and returns the done and
    /// pending tasks: <c>var (done, pending) = await AsyncIO.Wait(tasks, ReturnWhen.FirstCompleted);</c>. Cancels nothing and
    /// never throws <see cref="TimeoutException"/>. Thread-safe. <para>Equivalent to asyncio's <c>asyncio.wait</c>.</para>
    /// </summary>
    /// <exception cref="ArgumentException">No task was given.</exception>
    public static Task<WaitResult> Wait(IEnumerable<Task> tasks, ReturnWhen returnWhen = ReturnWhen.AllCompleted, TimeSpan? timeout = null) =>
        LoopExtensions.Wait(tasks, returnWhen, timeout);

    /// <summary>
    /// Runs <paramref name="func"/> on the thread pool with the caller's <see cref="ExecutionContext"/>; on a loop, through its
    /// default executor, so an auto-advancing clock waits for it. <para>Equivalent to asyncio's <c>asyncio.to_thread</c>.</para>
    /// </summary>
    public static Task<T> ToThread<T>(Func<T> func)
    {
        if (func is null)
        {
            throw new ArgumentNullException(nameof(func));
        }

        return LoopExtensions.ToThread(func);
    }

    /// <summary>Runs <paramref name="action"/> on the thread pool; see <see cref="ToThread{T}(Func{T})"/>.</summary>
    public static Task ToThread(Action action)
    {
        if (action is null)
        {
            throw new ArgumentNullException(nameof(action));
        }

        return LoopTaskScheduler.Running is { } loop ? loop.RunInExecutor(null, action) : Task.Run(action);
    }

    /// <summary>
    /// Starts <paramref name="body"/> on <paramref name="loop"/> from any thread; the returned task completes off the loop
    /// too, and cancelling it cancels the loop-side task. <para>Equivalent to asyncio's <c>asyncio.run_coroutine_threadsafe</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    public static Task<T> RunCoroutineThreadSafe<T>(Func<Task<T>> body, LoopTaskScheduler loop) => LoopExtensions.RunCoroutineThreadSafe(body, loop);

    /// <summary>
    /// Starts <paramref name="body"/> on <paramref name="loop"/> from any thread, as
    /// <see cref="RunCoroutineThreadSafe{T}(Func{Task{T}}, LoopTaskScheduler)"/>, for a body without a result.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    public static Task RunCoroutineThreadSafe(Func<Task> body, LoopTaskScheduler loop) => LoopExtensions.RunCoroutineThreadSafe(body, loop);

    /// <summary>
    /// Writes the running loop's pending tasks and what each awaits (see <see cref="LoopTaskScheduler.DumpTasks"/>) to
    /// <paramref name="writer"/>, or to <see cref="Console.Out"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public static void DumpTasks(System.IO.TextWriter? writer = null) => GetRunningLoop().DumpTasks(writer ?? Console.Out);

    /// <summary>The loop task whose code is running (followed across awaits), or null outside any task.
    /// <para>Equivalent to asyncio's <c>asyncio.current_task()</c>.</para></summary>
    public static Task? CurrentTask() => LoopTaskState.Current?.Task;

    /// <summary>The unfinished tasks of <paramref name="loop"/> (default: the running loop). Thread-safe snapshot.
    /// <para>Equivalent to asyncio's <c>asyncio.all_tasks()</c>.</para></summary>
    /// <exception cref="InvalidOperationException">No loop was given and none runs on this thread.</exception>
    public static IReadOnlyCollection<Task> AllTasks(LoopTaskScheduler? loop = null) => LoopExtensions.AllTasks(loop ?? GetRunningLoop());
}
