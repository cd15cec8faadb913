namespace Scheduler;

/// <summary>What a child process's standard stream is connected to: asyncio's <c>subprocess.PIPE</c>, <c>DEVNULL</c>, or the parent's (None).</summary>
public enum SubprocessStream
{
    /// <summary>The parent's own stream (asyncio's default, <c>None</c>).</summary>
    Inherit,

    /// <summary>A pipe to the loop: <see cref="LoopProcess.Stdin"/>, <see cref="LoopProcess.Stdout"/> or <see cref="LoopProcess.Stderr"/> (asyncio's <c>PIPE</c>).</summary>
    Pipe,

    /// <summary>Nothing: the child reads the end of the stream at once, or its output is discarded (asyncio's <c>DEVNULL</c>).</summary>
    DevNull,
}
