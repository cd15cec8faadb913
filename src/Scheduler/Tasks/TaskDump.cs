using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Writes the pending tasks of a loop with what each awaits: the chain of async methods, down to the loop-aware wait
/// or the task it is suspended on (asyncio 3.14's <c>pstree</c>, from the state machines .NET keeps for each await).
/// </summary>
/// <remarks>The chain is read from the state machines by <see cref="AsyncMethods"/>: what it cannot read is shown as "(unknown)".</remarks>
internal static class TaskDump
{
    private const int MaxDepth = 32;

    public static void Write(LoopTaskScheduler loop, TextWriter writer)
    {
        List<Task> tasks = loop.PendingTasks();
        TimeSpan now = loop.Time();
        writer.WriteLine($"{tasks.Count} pending task(s) on {loop}:");
        foreach (Task task in tasks)
        {
            if (!LoopTaskState.TryGet(task, out LoopTaskState? state) || state is null)
            {
                continue;
            }

            string phase = state.Body is null ? "not started" : state.Cancelling > 0 ? "cancelling" : "pending";
            writer.WriteLine($"Task {state.Name}: {phase}, age {(now - state.CreatedAt).TotalSeconds:F3} s");
            if (state.CreationStack is { } stack)
            {
                writer.WriteLine("  created at:");
                foreach (string line in stack.Split(['\n'], StringSplitOptions.RemoveEmptyEntries))
                {
                    writer.WriteLine("    " + line.Trim());
                }
            }

            WriteAwaits(writer, state.Body, 1);
        }
    }

    /// <summary>What <paramref name="task"/> awaits, as the dump writes it, for a report about one task.</summary>
    public static string Chain(Task task)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteLine($"Task {task.GetName()} awaits:");
        object? start = LoopTaskState.TryGet(task, out LoopTaskState? state) && state is { Body: { } body } ? body : task;
        WriteAwaits(writer, start, 1);
        return writer.ToString().TrimEnd();
    }

    private static void WriteAwaits(TextWriter writer, object? awaited, int depth)
    {
        var seen = new List<object>();
        while (awaited is not null && depth <= MaxDepth && !seen.Exists(s => ReferenceEquals(s, awaited)))
        {
            seen.Add(awaited);
            string indent = new(' ', 2 * depth);
            switch (awaited)
            {
                case Task task when LoopTaskState.TryGet(task, out LoopTaskState? state) && ReferenceEquals(state!.Task, task):
                    writer.WriteLine($"{indent}awaits {state.DescribeAwait()}");
                    return;
                case Task task when AsyncMethods.StateMachineOf(task) is { } machine:
                    string suspended = AsyncMethods.StateOf(machine);
                    writer.WriteLine($"{indent}in {AsyncMethods.MethodOf(machine)} (async method{suspended})");
                    if (suspended.Length == 0)
                    {
                        return; // Running now (this very dump, or the code that called it): it awaits nothing yet.
                    }

                    awaited = AsyncMethods.AwaitedBy(machine);
                    depth++;
                    if (awaited is null)
                    {
                        writer.WriteLine($"{new string(' ', 2 * depth)}awaits (unknown)");
                    }

                    break;
                case Task task:
                    writer.WriteLine($"{indent}awaits a {task.GetType().Name} ({task.Status})");
                    return;
                case string yield:
                    writer.WriteLine($"{indent}awaits {yield}");
                    return;
                default:
                    writer.WriteLine($"{indent}awaits {Describe(awaited)}");
                    return;
            }
        }
    }

    private static string Describe(object source) => source is IDescribedWait wait ? wait.Describe() : source.GetType().Name;
}
