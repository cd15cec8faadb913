using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>Debug mode's side of running an item: timing it, and naming it in the user's terms for the log.</summary>
public sealed partial class LoopTaskScheduler
{
    /// <summary>Runs one item with the watchdog or debug mode on (checked per batch: off, items go straight to <see cref="Execute"/>).</summary>
    private void RunItem(in WorkItem item)
    {
        if (_watch is { } watch)
        {
            RunItemWatched(in item, watch);
            return;
        }

        RunItemTimed(in item);
    }

    /// <summary>Debug mode: runs the item and logs it if it held the loop longer than <see cref="SlowCallbackDuration"/>.</summary>
    private void RunItemTimed(in WorkItem item)
    {
        // Named before it runs: a callback's node is recycled, and its delegate forgotten, as it finishes.
        object what = item.Callback is TimerNode node ? (object?)node.Callback ?? node : item.Callback;
        object? state = item.State;
        long started = Stopwatch.GetTimestamp();
        Execute(in item);

        TimeSpan elapsed = TimeSpan.FromTicks((Stopwatch.GetTimestamp() - started) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        if (elapsed >= SlowCallbackDuration)
        {
            LoopMetrics.SlowCallbacks.Add(1, LoopMetrics.Tag(this));
            WriteLog($"Executing {Describe(what, state)} took {elapsed.TotalSeconds:F3} seconds");
        }
    }

    internal void WriteLog(string message)
    {
        try
        {
            Log.WriteLine(message);
            Log.Flush();
        }
        catch (Exception)
        {
            // A broken log must not stop the loop; there is nowhere left to report it.
        }
    }

    private static string Describe(object what, object? state)
    {
        // The code a continuation resumes says more than the runtime's or the library's own delegate that carries it.
        if (AsyncMethods.DescribeCode(state) is { } code)
        {
            return code;
        }

        // The library's and the runtime's own lambdas carry the user's work in their state: name that instead.
        if (what is Delegate carrier && TimerNode.IsCarrier(carrier) && DescribeCarried(state) is { } carried)
        {
            return carried;
        }

        return what switch
        {
            Task task => $"<Task {task.GetName()}>",
            SendOrPostCallback posted => $"<Post {TimerNode.Describe(state as Delegate ?? posted)}>",
            Delegate callback => $"<LoopHandle {TimerNode.Describe(callback)}>",
            _ => what.ToString() ?? "?",
        };
    }

    /// <summary>What a library callback's state stands for, in the user's terms; null when it stands for nothing known.</summary>
    private static string? DescribeCarried(object? state) => state switch
    {
        FlowingTask task => task.DescribeStep(),
        IDescribedWait wait => wait.Describe(),
        Task task => $"task {task.GetName()}",
        Delegate callback when !TimerNode.IsCarrier(callback) => $"<LoopHandle {TimerNode.Describe(callback)}>",
        _ => null,
    };
}
