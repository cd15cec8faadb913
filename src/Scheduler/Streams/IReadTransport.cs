namespace Scheduler;

/// <summary>
/// What feeds a <see cref="LoopStreamReader"/>, as the reader sees it: a source it can hold back while its buffer is
/// full (asyncio's <c>pause_reading</c> / <c>resume_reading</c>). Called on the loop thread.
/// </summary>
internal interface IReadTransport
{
    /// <summary>Stop feeding until <see cref="ResumeReading"/>.</summary>
    void PauseReading();

    /// <summary>Feed again.</summary>
    void ResumeReading();
}
