using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// A loop's task side: the tasks it created (for <c>AllTasks</c>, dumps and close), the failed ones whose exception may
/// go unobserved, the pools of its sleeps and completion hooks, and the answer to "which loop task is current".
/// </summary>
/// <remarks>
/// The task set and the failure list are guarded by themselves (a task may finish on another thread); the pools and the
/// current-task memory are the loop thread's only.
/// </remarks>
internal sealed class LoopTasks : LoopTaskSide
{
    private readonly LoopTaskScheduler _loop;

    /// <summary>Unfinished tasks of this loop.</summary>
    private readonly HashSet<LoopTaskState> _tasks = [];

    /// <summary>Failed tasks whose exception may still go unobserved; weak, so that collecting them reports them instead.</summary>
    private readonly List<WeakReference<LoopTaskState>> _failedTasks = [];

    /// <summary>Recycled sleeps, as many as were ever pending at once, trimmed after a burst.</summary>
    private readonly LoopObjectPool<SleepPromise> _sleeps = new();

    /// <summary>Recycled completion hooks, as many as tasks were ever awaited at once, trimmed after a burst.</summary>
    private readonly LoopObjectPool<CompletionHook> _hooks = new();

    /// <summary>The execution context, as the loop thread stores it, in which <see cref="_currentTaskFound"/> was looked up.</summary>
    private ExecutionContext? _currentTaskContext;
    private LoopTaskState? _currentTaskFound;

    private LoopTasks(LoopTaskScheduler loop) => _loop = loop;

    /// <summary>Every loop gets its task side as it is made; registered before any loop can exist.</summary>
#pragma warning disable CA2255 // The library registers its own layer's seam; no application start-up runs here.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => Factory = static loop => new LoopTasks(loop);

    /// <summary>How many sleeps are pooled; for tests.</summary>
    public int SleepPoolCount => _sleeps.Count;

    /// <summary>Starts tracking a task the loop created.</summary>
    public void Track(LoopTaskState task)
    {
        lock (_tasks)
        {
            _tasks.Add(task);
        }
    }

    /// <summary>A task finished: forget it. Any thread.</summary>
    public void Untrack(LoopTaskState task)
    {
        lock (_tasks)
        {
            _tasks.Remove(task);
        }

        // A finished task is not kept alive by the lookup's memory, which only the loop thread may touch.
        if (ReferenceEquals(_currentTaskFound, task) && _loop.IsOnLoopThread)
        {
            _currentTaskContext = null;
            _currentTaskFound = null;
        }
    }

    /// <summary>The unfinished tasks created on this loop. Thread-safe snapshot.</summary>
    public List<Task> PendingTasks()
    {
        var pending = new List<Task>();
        lock (_tasks)
        {
            foreach (LoopTaskState state in _tasks)
            {
                if (state.Task is { IsCompleted: false } task)
                {
                    pending.Add(task);
                }
            }
        }

        return pending;
    }

    /// <summary>A task failed: report it at close (or when it is collected) unless its exception is observed first.</summary>
    public void WatchFailure(LoopTaskState task)
    {
        lock (_failedTasks)
        {
            // A long-lived loop with many failures: forget the collected ones now and then.
            if (_failedTasks.Count >= 1024 && (_failedTasks.Count & 1023) == 0)
            {
                _failedTasks.RemoveAll(static reference => !reference.TryGetTarget(out _));
            }

            _failedTasks.Add(new WeakReference<LoopTaskState>(task));
        }
    }

    /// <summary>A sleep on the loop's timers, from the pool. Loop thread only.</summary>
    public ValueTask Sleep(TimeSpan delay, CancellationToken token)
    {
        SleepPromise promise = _sleeps.Rent() ?? _sleeps.Adopt(new SleepPromise(_loop));
        return promise.Begin(delay, token);
    }

    /// <summary>Takes back a sleep that ended; one ending off the loop thread is left to the collector.</summary>
    public void ReturnSleep(SleepPromise promise)
    {
        if (_loop.IsOnLoopThread)
        {
            _sleeps.Return(promise);
        }
    }

    /// <summary>What a gen2 GC does to the sleep pool; for tests. False once the loop is closed.</summary>
    public bool RequestSleepPoolTrim() => _sleeps.RequestTrim();

    /// <summary>The continuation to register on <paramref name="task"/> for <see cref="Continuations.WhenDone"/>. Loop thread only.</summary>
    public Action Hook(Task task, Action<Task, object?> continuation, object? state) =>
        (_hooks.Rent() ?? _hooks.Adopt(new CompletionHook(_loop))).Arm(task, continuation, state);

    /// <summary>Takes back a hook that has run. Loop thread only.</summary>
    public void Recycle(CompletionHook hook) => _hooks.Return(hook);

    /// <summary>
    /// <see cref="LoopTaskState.Current"/> for a loop-aware wait made on the loop's thread, which asks on every wait;
    /// null for a task of another loop, which the wait must not attach to either.
    /// </summary>
    /// <remarks>
    /// The general lookup reads the <c>AsyncLocal</c> (a thread-static) and asks whether a queued TPL task runs. Here the
    /// thread's context is read through the loop's own thread object, and the answer is kept for that context object:
    /// contexts are immutable, and a task's steps keep resuming in the same one.
    /// </remarks>
    public LoopTaskState? CurrentTaskOnLoop()
    {
        if (!_loop.TryReadStoredContext(out ExecutionContext? stored))
        {
            return OfThisLoop(LoopTaskState.Current);
        }

        if (stored is null)
        {
            // The default context: no AsyncLocal flows, so no task does.
            return null;
        }

        if (!ReferenceEquals(stored, _currentTaskContext))
        {
            _currentTaskFound = OfThisLoop(LoopTaskState.Flowing);
            _currentTaskContext = stored;
        }

        return _currentTaskFound;
    }

    /// <inheritdoc/>
    /// <remarks>Allocates nothing while every task is in a loop-aware wait: a jump is on the path of every virtual-time sleep.</remarks>
    public override bool AwaitsUnseenWork(Task? runTarget)
    {
        lock (_tasks)
        {
            foreach (LoopTaskState state in _tasks)
            {
                if (state.Task is { IsCompleted: false } task && !UnseenWork.IsSeenRoot(_loop, task))
                {
                    return true;
                }
            }
        }

        // The run's own task counts when it is an async method the caller started (RunUntilComplete(MainAsync())); a bare
        // promise is the harness's, completed by the callbacks it runs, and a loop task or combinator is followed above.
        return runTarget is { IsCompleted: false } target && !LoopTaskState.TryGet(target, out _)
            && AsyncMethods.StateMachineOf(target) is not null && !UnseenWork.IsSeenRoot(_loop, target);
    }

    /// <inheritdoc/>
    public override void Close()
    {
        _sleeps.Close();
        _hooks.Close();

        var failed = new List<LoopTaskState>();
        lock (_failedTasks)
        {
            foreach (WeakReference<LoopTaskState> reference in _failedTasks)
            {
                if (reference.TryGetTarget(out LoopTaskState? task))
                {
                    failed.Add(task);
                }
            }

            _failedTasks.Clear();
        }

        UnobservedFailures.ReportAtClose(_loop, failed);

        // Each task still pending can never finish: say so, as asyncio does when it collects one.
        foreach (Task task in PendingTasks())
        {
            _loop.CallExceptionHandler(new LoopExceptionContext("Task was destroyed but it is pending!") { Task = task });
        }

        lock (_tasks)
        {
            _tasks.Clear();
        }
    }

    private LoopTaskState? OfThisLoop(LoopTaskState? task) => task is not null && ReferenceEquals(task.Loop, _loop) ? task : null;
}
