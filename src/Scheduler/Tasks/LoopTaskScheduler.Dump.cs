using System;
using System.IO;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>
    /// Writes every pending task of this loop: name, state, age on the loop's clock, where it was created (in debug mode),
    /// and what it awaits, following the chain of async methods down to the wait it is suspended in.
    /// Best effort from other threads (the chain may be read while it changes); exact on the loop thread.
    /// <para>Like asyncio 3.14's <c>python -m asyncio pstree</c>, from inside the process.</para>
    /// </summary>
    public void DumpTasks(TextWriter writer)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        TaskDump.Write(this, writer);
    }
}
