using System;
using System.Threading;

namespace Scheduler;

/// <summary>
/// Starts a stream's own background loops (receive, send, accept) apart from the loop task that opened the stream: in
/// the caller's context without that task, as <see cref="FlowingTask.CaptureForFork()"/> gives it. Started inside the
/// task, their waits would be taken for the task's own, and a <c>task.Cancel()</c> meant for the task's read would end
/// the transport's send loop instead.
/// </summary>
/// <remarks>Loop thread only.</remarks>
internal static class Detached
{
    public static void Start<T>(T owner, Action<T> start)
    {
        ExecutionContext? context = FlowingTask.CaptureForFork();
        if (context is null || FlowingTask.Flowing is null)
        {
            start(owner);
            return;
        }

        ExecutionContext.Run(context, static state =>
        {
            var (owner, start) = ((T, Action<T>))state!;
            start(owner);
        }, (owner, start));
    }
}
