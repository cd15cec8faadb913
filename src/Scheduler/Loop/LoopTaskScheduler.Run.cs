using System;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>The task <c>RunUntilComplete</c> runs the loop for, while it does: followed like the loop's own tasks.</summary>
    private Task? _runTarget;

    private static readonly Action<Task, object?> s_stopWhenDone = static (_, state) => ((RunStopper)state!).StopIfActive();

    /// <summary>
    /// Runs the loop on the calling thread until <paramref name="task"/> ends, then rethrows its exception, unwrapped.
    /// <para>Equivalent to asyncio's <c>loop.run_until_complete</c>.</para>
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is closed or already running, another loop runs on this
    /// thread, or <see cref="Stop"/> ended the run before the task completed.</exception>
    public void RunUntilComplete(Task task)
    {
        RunUntilDone(task);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Runs the loop until <paramref name="task"/> ends and returns its result; see <see cref="RunUntilComplete(Task)"/>.</summary>
    /// <exception cref="InvalidOperationException">As <see cref="RunUntilComplete(Task)"/>.</exception>
    public T RunUntilComplete<T>(Task<T> task)
    {
        RunUntilDone(task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Starts <paramref name="main"/> on the loop as a task (<see cref="CreateTask(Func{Task}, string?)"/>) and runs the
    /// loop until it ends; see <see cref="RunUntilComplete(Task)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">As <see cref="RunUntilComplete(Task)"/>.</exception>
    public void RunUntilComplete(Func<Task> main)
    {
        CheckCanRun();
        RunUntilComplete(CreateTask(main));
    }

    /// <summary>Starts <paramref name="main"/> on the loop as a task and runs the loop until it ends, returning its result.</summary>
    /// <exception cref="InvalidOperationException">As <see cref="RunUntilComplete(Task)"/>.</exception>
    public T RunUntilComplete<T>(Func<Task<T>> main)
    {
        CheckCanRun();
        return RunUntilComplete(CreateTask(main));
    }

    private void CheckCanRun()
    {
        ThrowIfClosed();
        if (IsRunning)
        {
            throw new InvalidOperationException("This event loop is already running.");
        }

        if (t_running is not null)
        {
            throw new InvalidOperationException("Cannot run the event loop while another loop is running on this thread.");
        }
    }

    private void RunUntilDone(Task task)
    {
        if (task is null)
        {
            throw new ArgumentNullException(nameof(task));
        }

        // Checked before the continuation goes on the task: a refused run must leave nothing behind that stops a later one.
        CheckCanRun();
        var stopper = new RunStopper(this);
        if (task.IsCompleted)
        {
            // As asyncio: the done callback still takes one iteration, so callbacks already queued run.
            Stop();
        }
        else
        {
            task.WhenDone(s_stopWhenDone, stopper, this);
        }

        _runTarget = task;
        try
        {
            RunForever();
        }
        finally
        {
            _runTarget = null;
            stopper.Active = false;
        }

        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("The event loop stopped before the task completed.");
        }
    }

    /// <summary>Stops the loop when the task it waits for ends, unless that run is over already.</summary>
    private sealed class RunStopper(LoopTaskScheduler loop)
    {
        public volatile bool Active = true;

        public void StopIfActive()
        {
            if (Active)
            {
                loop.Stop();
            }
        }
    }
}
