using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>The TPL task a run executes in while it runs (see <see cref="RunAsTask"/>); null between runs.</summary>
    private Task? _runTask;

    /// <summary>Whether this loop, having run in debug mode, keeps <see cref="LeftLoopListener"/> listening until it closes.</summary>
    private bool _reportsEscapes;

    /// <summary>
    /// Runs <paramref name="body"/> on the calling thread inside a TPL task of this scheduler, so that
    /// <c>TaskScheduler.Current</c> is the loop in everything the loop runs: callbacks, posted <c>await</c> continuations
    /// and task steps, before and after their awaits. Legacy code that calls <c>Task.Factory.StartNew</c> or
    /// <c>ContinueWith</c> without a scheduler then stays on the loop, as it does inside a task the loop queued.
    /// </summary>
    /// <remarks>
    /// The runtime answers <c>TaskScheduler.Current</c> from the task executing on the thread; a posted continuation is a
    /// delegate, not a task, so without this it would read the thread pool's. One task per run, not one per callback
    /// (what a context that wraps every post in a task pays). The task does not capture the caller's execution context
    /// (the loop switches contexts itself) and takes no attached children. Where .NET clears <c>Current</c> anyway, a run
    /// in debug mode reports the tasks that left the loop through it (<see cref="LeftLoopListener"/>).
    /// </remarks>
    private void RunAsTask(Action<LoopTaskScheduler> body)
    {
        var run = new RunBody(this, body);
        Task task;
        AsyncFlowControl suppressed = ExecutionContext.SuppressFlow();
        try
        {
            task = new Task(RunBody.Execute, run, CancellationToken.None, TaskCreationOptions.DenyChildAttach);
        }
        finally
        {
            suppressed.Undo();
        }

        _runTask = task;
        if (Debug && !_reportsEscapes)
        {
            _reportsEscapes = true;
            LeftLoopListener.Attach();
        }

        try
        {
            task.RunSynchronously(this);
        }
        finally
        {
            _runTask = null;
        }

        run.Failure?.Throw();
    }

    /// <summary>Called by <see cref="Close"/>: a continuation created in a run may be queued after it, until the loop closes.</summary>
    private void StopReportingEscapes()
    {
        if (_reportsEscapes)
        {
            _reportsEscapes = false;
            LeftLoopListener.Detach();
        }
    }

    /// <summary>Whether <paramref name="task"/> is the task the current run executes in.</summary>
    private bool IsRunTask(Task task) => ReferenceEquals(task, _runTask);

    /// <summary>What a run executes, and the exception it ended with (the task must not keep it: it would go unobserved).</summary>
    private sealed class RunBody(LoopTaskScheduler loop, Action<LoopTaskScheduler> body)
    {
        public static readonly Action<object?> Execute = static state => ((RunBody)state!).Run();

        public ExceptionDispatchInfo? Failure { get; private set; }

        private void Run()
        {
            try
            {
                // The frames the runtime added sit between the run's first mark and the loop's code: mark from here.
                loop.MarkLoopStack();
                body(loop);
            }
            catch (Exception exception)
            {
                Failure = ExceptionDispatchInfo.Capture(exception);
            }
        }
    }
}
