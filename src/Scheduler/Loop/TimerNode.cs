using System;
using System.Threading;

namespace Scheduler;

/// <summary>
/// A timer: the object behind a <see cref="LoopTimerHandle"/> (and behind the <see cref="LoopHandle"/> an exception
/// handler gets for a failing timer callback; callbacks queued to run soon have no node). Pooled per loop;
/// <see cref="Version"/> tells a handle whether it still speaks of this use of the node.
/// </summary>
internal sealed class TimerNode : IPoolable
{
    /// <summary>An <see cref="Action"/> or an <see cref="Action{T}"/> of <see cref="object"/>.</summary>
    public Delegate? Callback;

    /// <summary>The argument of an <see cref="Action{T}"/> callback.</summary>
    public object? State;

    /// <summary>The context captured when the callback was scheduled (asyncio copies the context at <c>call_soon</c>).</summary>
    public ExecutionContext? Context;

    /// <summary>Bumped each time the node goes back to the pool, so stale handles see a different number.</summary>
    public int Version;

    /// <summary>Set by <see cref="LoopHandle.Cancel"/>; a cancelled node is never run and never pooled again.</summary>
    public volatile bool Cancelled;

    /// <summary>When it is due, in ticks of the loop's clock.</summary>
    public long When;

    /// <summary>Scheduling order, which breaks ties of <see cref="When"/>.</summary>
    public long Sequence;

    /// <summary>Pending in the timer heap, or taken out and not yet run (not run, not cancelled).</summary>
    public bool InHeap;

    /// <summary>
    /// A timer kept by its owner (a sleep) and armed again for each use, so it never goes back to the loop's pool.
    /// Its callback and state are set once, when it is made.
    /// </summary>
    public bool Owned;

    /// <inheritdoc/>
    public int PoolNumber { get; set; } = -1;

    /// <summary>The loop that scheduled it.</summary>
    public LoopTaskScheduler? Loop;

    /// <summary>Forgets what the node ran, so a recycled or cancelled node keeps nothing alive.</summary>
    public void Clear()
    {
        Callback = null;
        State = null;
        Context = null;
    }

    /// <summary>
    /// Names the callback for messages: the method's type and name; a lambda by the type and method that wrote it
    /// ("Program.lambda in Main"), not by the compiler's names for them.
    /// </summary>
    public static string Describe(Delegate? callback)
    {
        if (callback is null)
        {
            return "<none>";
        }

        System.Reflection.MethodInfo method = callback.Method;
        Type? type = method.DeclaringType;
        while (type is { DeclaringType: not null } && IsCompilerName(type.Name))
        {
            type = type.DeclaringType;
        }

        string typeName = type is null ? string.Empty : type.Name.Split('`')[0] + ".";
        string methodName = IsCompilerName(method.Name) ? AsyncMethods.MethodName(method.Name) : method.Name;
        return typeName + methodName;
    }

    /// <summary>
    /// Whether <paramref name="callback"/> is one of the library's or the runtime's own compiler-made delegates, which only
    /// carry the user's work in their state (a task's first step, a timer's sleep, an awaiter's post).
    /// </summary>
    public static bool IsCarrier(Delegate callback)
    {
        System.Reflection.MethodInfo method = callback.Method;
        System.Reflection.Assembly assembly = method.Module.Assembly;
        return (ReferenceEquals(assembly, typeof(TimerNode).Assembly) || ReferenceEquals(assembly, typeof(object).Assembly))
            && (IsCompilerName(method.Name) || (method.DeclaringType is { } declaring && IsCompilerName(declaring.Name))
                || callback.Target is ILoopContinuation);
    }

    /// <summary>Whether a type or method name is one the compiler made (<c>&lt;&gt;c</c>, <c>&lt;Main&gt;b__0_0</c>).</summary>
    private static bool IsCompilerName(string name) => name.Length > 0 && name[0] == '<';
}
