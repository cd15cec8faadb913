using System.Collections.Generic;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>When <c>AsyncIO.Wait</c> returns. Equivalent to the <c>return_when</c> constants of asyncio's <c>wait</c>.</summary>
public enum ReturnWhen
{
    /// <summary>When every task is done (asyncio's <c>ALL_COMPLETED</c>).</summary>
    AllCompleted,

    /// <summary>When any task is done (asyncio's <c>FIRST_COMPLETED</c>).</summary>
    FirstCompleted,

    /// <summary>When any task fails, or every task is done (asyncio's <c>FIRST_EXCEPTION</c>); a cancelled task is no failure.</summary>
    FirstException,
}

/// <summary>What <c>AsyncIO.Wait</c> returns: the tasks done and the tasks still pending. Immutable.</summary>
public sealed class WaitResult
{
    internal WaitResult(IReadOnlyCollection<Task> done, IReadOnlyCollection<Task> pending)
    {
        Done = done;
        Pending = pending;
    }

    /// <summary>The tasks that were done when the wait returned, in argument order.</summary>
    public IReadOnlyCollection<Task> Done { get; }

    /// <summary>The tasks still pending, in argument order; they keep running.</summary>
    public IReadOnlyCollection<Task> Pending { get; }

    /// <summary>Splits into <c>var (done, pending) = await AsyncIO.Wait(...)</c>.</summary>
    public void Deconstruct(out IReadOnlyCollection<Task> done, out IReadOnlyCollection<Task> pending)
    {
        done = Done;
        pending = Pending;
    }
}
