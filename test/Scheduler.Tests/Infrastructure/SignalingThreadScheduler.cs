using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler.Tests;

/// <summary>A <see cref="TaskScheduler"/> that runs each task on a new thread and signals once the task has returned.</summary>
internal sealed class SignalingThreadScheduler(ManualResetEventSlim afterRun) : TaskScheduler
{
    protected override void QueueTask(Task task)
    {
        var thread = new Thread(() =>
        {
            TryExecuteTask(task);
            afterRun.Set();
        })
        {
            IsBackground = true,
            Name = "executor thread",
        };
        thread.Start();
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [];
}
