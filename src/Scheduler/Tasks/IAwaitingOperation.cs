using System.Collections.Generic;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>A loop-aware operation that waits on other tasks (the combinators).</summary>
internal interface IAwaitingOperation
{
    /// <summary>The tasks it waits on. Loop thread only.</summary>
    IEnumerable<Task> Awaited { get; }
}
