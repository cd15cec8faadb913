using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Scheduler;

/// <summary>
/// Whether a loop's tasks await work the loop cannot see: what an auto-advancing clock must not jump over at once
/// (<see cref="LoopOptions.AutoAdvanceThreshold"/>).
/// </summary>
/// <remarks>
/// <para>The loop sees its timers, its inbox and its executor work; it does not see a <c>Task.Delay</c>, a socket or a
/// <c>Task.Run</c> that one of its tasks awaits, which will post back to it later. Each pending loop task is followed
/// down what it awaits — its loop-aware wait, the tasks a combinator waits on, the chain of async methods read from
/// their state machines as the task dump reads it — to a loop wait or loop task (seen) or to anything else (unseen).
/// What cannot be read counts as unseen: the cost of a wrong "unseen" is one threshold of real time, of a wrong
/// "seen" a clock that jumps past real work.</para>
/// <para>Asked only by an idle auto-advancing loop about to jump, on the loop thread. A task in a sleep or a primitive's
/// wait costs one field read; only tasks in plain awaits are followed by reflection.</para>
/// </remarks>
#pragma warning disable IL2075 // Reads the runtime's promise fields as the task dump does: what trimming removed reads as the loop's own.
internal static class UnseenWork
{
    private const int MaxDepth = 32;

    /// <summary>
    /// The state of a library promise that loop code completes (a task group's wait for its children): seen, since
    /// the loop tasks it stands for are followed themselves.
    /// </summary>
    public static readonly object CompletedByTheLoop = new();

    /// <summary>Whether <paramref name="root"/> (a pending task of the loop, or the task a run waits for) awaits only work the loop sees.</summary>
    public static bool IsSeenRoot(LoopTaskScheduler loop, Task root) => IsSeen(loop, root, 0, asRoot: true);

    private static bool IsSeen(LoopTaskScheduler loop, object? awaited, int depth, bool asRoot = false)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        switch (awaited)
        {
            case null:
                return false;
            case string: // Task.Yield: already posted back.
                return true;
            case Task task:
                return IsSeen(loop, task, depth, asRoot);
            case IOutsideWait { WaitsOnOutside: true }: // A stream's read: its data comes from a socket or a pipe.
                return false;
            case IDescribedWait: // A loop promise: a sleep, a primitive's or a queue's wait.
                return true;
            case IValueTaskSource:
                return false; // Another library's source: a socket, a pipe.
            case not null when IsForeignValueTaskSource(awaited):
                return false;
            default:
                return false;
        }
    }

    private static bool IsSeen(LoopTaskScheduler loop, Task task, int depth, bool asRoot)
    {
        if (ReferenceEquals(task.AsyncState, CompletedByTheLoop))
        {
            return true;
        }

        if (LoopTaskState.TryGet(task, out LoopTaskState? state) && state is { Task: { } own } && ReferenceEquals(own, task))
        {
            if (state is IAwaitingOperation)
            {
                // A combinator, wherever it was made (AsyncIO.Run makes its shutdown waits before the run): what it waits on.
                return AllSeen(loop, state, depth);
            }

            if (!ReferenceEquals(state.Loop, loop))
            {
                return task.IsCompleted; // Another loop's task: it posts back like any other thread's work.
            }

            // A task of this loop: followed where it is a root, seen where another awaits it.
            return !asRoot || IsTaskSeen(loop, state, depth);
        }

        if (task.IsCompleted)
        {
            // Its continuation is queued, or on its way from the completing thread, which posts it a moment after the
            // task reads as done: the one window this look leaves open, microseconds wide.
            return true;
        }

        if (AsyncMethods.StateMachineOf(task) is { } machine)
        {
            // Suspended: follow what it awaits. Running while the loop is idle: running on another thread.
            return AsyncMethods.IsSuspended(machine) && IsSeen(loop, AsyncMethods.AwaitedBy(machine), depth + 1);
        }

        return task.Status switch
        {
            // A delegate that nobody started, or a promise: what it holds says where its completion comes from.
            TaskStatus.Created => true,
            TaskStatus.WaitingForActivation => IsPromiseSeen(loop, task, depth),

            // A delegate queued or running elsewhere (Task.Run, another scheduler): the idle loop runs nothing.
            _ => false,
        };
    }

    /// <summary>
    /// A promise-style task: a timer behind it (<c>Task.Delay</c>, <c>WaitAsync(timeout)</c>) is unseen, and so is a
    /// value-task source of another library (a socket's read); the tasks it wraps (<c>WaitAsync</c>, <c>WhenAny</c>) are
    /// followed. One that holds none of these (a <c>TaskCompletionSource</c>, <c>Task.WhenAll</c>) is completed by the
    /// code that holds it, counted as the loop's own.
    /// </summary>
    private static bool IsPromiseSeen(LoopTaskScheduler loop, Task task, int depth)
    {
        for (Type? type = task.GetType(); type is not null && type != typeof(Task) && !IsTaskOfT(type); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                object? value = field.GetValue(task);
                bool seen = value switch
                {
                    ITimer or Timer => false,
                    Task inner => IsSeen(loop, inner, depth + 1, asRoot: false),
                    IValueTaskSource or IDescribedWait => IsSeen(loop, value, depth + 1),
                    not null when IsForeignValueTaskSource(value) => false,
                    _ => true,
                };
                if (!seen)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsForeignValueTaskSource(object value)
    {
        foreach (Type contract in value.GetType().GetInterfaces())
        {
            if (contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IValueTaskSource<>))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTaskOfT(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>);

    private static bool IsTaskSeen(LoopTaskScheduler loop, LoopTaskState task, int depth)
    {
        if (task.HeldWait is { } wait)
        {
            return wait switch
            {
                IOutsideWait { WaitsOnOutside: true } => false,
                LoopTaskState operation => AllSeen(loop, operation, depth),
                _ => true,
            };
        }

        // Not started yet (queued: the loop is not idle), or in a plain await of what its body's chain says.
        return task.Body is not { } body || IsSeen(loop, body, depth + 1);
    }

    private static bool AllSeen(LoopTaskScheduler loop, LoopTaskState operation, int depth)
    {
        if (operation is not IAwaitingOperation awaiting)
        {
            return true;
        }

        foreach (Task inner in awaiting.Awaited)
        {
            if (!IsSeen(loop, inner, depth + 1, asRoot: false))
            {
                return false;
            }
        }

        return true;
    }
}

#pragma warning restore IL2075
