using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// The callback the runtime posts to a synchronization context to resume an async method after
/// <c>await Task.Yield()</c>: found once, by yielding a probe method under a context that records what it is given.
/// </summary>
/// <remarks>
/// A post is captured without the current loop task (asyncio's callbacks do not run as the task that scheduled them),
/// and the loop switches to that context before running it. This callback only resumes the method's box, which then
/// switches back to the method's own context, and out again after. Recognised, it is queued in the method's context
/// instead, so the resumed box finds itself there already: a yield between two steps of one task switches nothing.
/// </remarks>
internal static class YieldResume
{
    /// <summary>The runtime's resume callback, or null if the probe did not see one resuming a method's box.</summary>
    public static readonly SendOrPostCallback? Callback = Find();

    private static SendOrPostCallback? Find()
    {
        var recorder = new Recorder();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(recorder);
        try
        {
            // Never resumed: the probe's box is left to the GC.
            _ = ProbeAsync();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        // The box of an async method is its task: anything else is not the resume this is about.
        return recorder.Posts == 1 && recorder.State is Task ? recorder.Callback : null;
    }

    private static async Task ProbeAsync() => await Task.Yield();

    private sealed class Recorder : SynchronizationContext
    {
        public SendOrPostCallback? Callback;
        public object? State;
        public int Posts;

        public override void Post(SendOrPostCallback d, object? state)
        {
            Callback = d;
            State = state;
            Posts++;
        }
    }
}
