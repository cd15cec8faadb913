using System;
using System.Reflection;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Reads .NET's async methods from the state machines the compiler generates for them: which method a task or a
/// callback resumes, where it is suspended, and what it awaits. Used by the loop's reports and the task dumps.
/// </summary>
/// <remarks>
/// By reflection over compiler-generated names (<c>&lt;&gt;1__state</c>, the <c>&lt;&gt;u__N</c> awaiter fields): a
/// diagnostic, best effort; what trimming removed or another compiler named differently reads as unknown (null).
/// </remarks>
#pragma warning disable IL2075 // A diagnostic reading compiler-generated fields: what trimming removed reads as unknown.
internal static class AsyncMethods
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>
    /// The async method a callback's state resumes: a state machine box, the MoveNext delegate of one, or a loop wait that
    /// resumed one, directly or through another (a condition wait resumed by its inner wait, through a delegate of its
    /// own). Null when it is none of those.
    /// </summary>
    internal static string? DescribeCode(object? state)
    {
        IDescribedWait? via = null;
        object? target = state;
        for (int depth = 0; depth < 4 && target is not (null or Task); depth++)
        {
            switch (target)
            {
                case IDescribedWait wait:
                    via ??= wait;
                    target = wait.LastResumed;
                    break;
                case Delegate callback:
                    target = callback.Target;
                    break;
                default:
                    return null;
            }
        }

        if (target is Task box && StateMachineOf(box) is { } machine)
        {
            string resumedFrom = via is not null ? $", resumed from {via.Operation}" : string.Empty;
            return $"async method {MethodOf(machine)}{resumedFrom}";
        }

        return null;
    }

    /// <summary>The state machine an async method's task carries, or null for other tasks.</summary>
    internal static object? StateMachineOf(Task task) =>
        task.GetType().GetField("StateMachine", BindingFlags.Instance | BindingFlags.Public)?.GetValue(task);

    /// <summary>The async method a state machine runs, as "Type.Method".</summary>
    internal static string MethodOf(object machine)
    {
        Type type = machine.GetType();
        Type? declaring = type.DeclaringType;

        // A lambda's state machine sits in the compiler's closure class, inside the type that wrote it.
        while (declaring is { DeclaringType: not null } && declaring.Name.Length > 0 && declaring.Name[0] == '<')
        {
            declaring = declaring.DeclaringType;
        }

        string owner = declaring is not null ? declaring.Name.Split('`')[0] + "." : string.Empty;
        return owner + MethodName(type.Name);
    }

    /// <summary>
    /// The method a compiler-generated name belongs to: <c>&lt;Worker&gt;d__3</c> is Worker, a local function's is its own
    /// name, a lambda's is "lambda in Main".
    /// </summary>
    internal static string MethodName(string compilerName)
    {
        int local = compilerName.IndexOf("g__", StringComparison.Ordinal);
        if (local >= 0)
        {
            int end = compilerName.IndexOf('|', local);
            return end > local ? compilerName.Substring(local + 3, end - local - 3) : compilerName.Substring(local + 3);
        }

        string trimmed = compilerName.TrimStart('<');
        int close = trimmed.IndexOf('>');
        string outer = close > 0 ? trimmed.Substring(0, close) : trimmed;
        return compilerName.Contains(">b__") ? $"lambda in {outer}" : outer;
    }

    /// <summary>Whether the state machine is suspended at an await (not running, not finished).</summary>
    internal static bool IsSuspended(object machine) =>
        machine.GetType().GetField("<>1__state", InstanceFields)?.GetValue(machine) is int state && state >= 0;

    /// <summary>", suspended at await #N" for a suspended state machine, else nothing.</summary>
    internal static string StateOf(object machine) =>
        machine.GetType().GetField("<>1__state", InstanceFields)?.GetValue(machine) is int state && state >= 0
            ? $", suspended at await #{state + 1}"
            : string.Empty;

    /// <summary>What the state machine is suspended on: a task, a loop wait, or "Task.Yield".</summary>
    internal static object? AwaitedBy(object machine)
    {
        foreach (FieldInfo field in machine.GetType().GetFields(InstanceFields))
        {
            if (!field.Name.StartsWith("<>u__", StringComparison.Ordinal) || field.GetValue(machine) is not { } awaiter)
            {
                continue;
            }

            if (field.FieldType.Name.StartsWith("YieldAwaiter", StringComparison.Ordinal))
            {
                return "Task.Yield";
            }

            if (Unwrap(awaiter, 0) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Finds the task or value-task source inside an awaiter struct (m_task, _value._obj, …).</summary>
    private static object? Unwrap(object value, int depth)
    {
        if (depth > 3)
        {
            return null;
        }

        foreach (FieldInfo field in value.GetType().GetFields(InstanceFields))
        {
            object? inner = field.GetValue(value);
            switch (inner)
            {
                case null:
                    continue;
                case Task or System.Threading.Tasks.Sources.IValueTaskSource:
                    return inner;
                default:
                    if (field.FieldType.IsValueType && !field.FieldType.IsPrimitive && Unwrap(inner, depth + 1) is { } found)
                    {
                        return found;
                    }

                    break;
            }
        }

        return null;
    }
}
#pragma warning restore IL2075
