using System;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Ctrl+C (SIGINT) while <c>AsyncIO.Run</c> runs, as asyncio 3.11's runner handles it: the first one cancels the main
/// task, whose <c>finally</c> blocks and awaits then run, and <c>Run</c> throws the cancellation; a second one, while
/// that cleanup still runs, ends the process as Ctrl+C does without a handler. With
/// <see cref="LoopOptions.CancelOnSigterm"/>, SIGTERM cancels the main task the same way (.NET 8 and later).
/// </summary>
/// <remarks>Installed for one run and removed after it; the signal arrives on a runtime thread and is posted to the loop.</remarks>
internal sealed partial class Interrupts : IDisposable
{
    private readonly LoopTaskScheduler _loop;
    private readonly Task _main;
    private readonly bool _handlesCtrlC;
    private int _received;

    private Interrupts(LoopTaskScheduler loop, Task main)
    {
        _loop = loop;
        _main = main;
        try
        {
            Console.CancelKeyPress += OnCancelKeyPress;
            _handlesCtrlC = true;
        }
        catch (PlatformNotSupportedException)
        {
            // No console signals here (a browser, a mobile app): Ctrl+C is not this process's to handle.
        }
    }

    /// <summary>Whether a Ctrl+C (or SIGTERM) cancelled the main task.</summary>
    public bool Interrupted => _received > 0;

    /// <summary>Starts handling interrupts for <paramref name="main"/>, the task of a run of <paramref name="loop"/>.</summary>
    public static Interrupts Install(LoopTaskScheduler loop, Task main, LoopOptions? options)
    {
        var interrupts = new Interrupts(loop, main);
        if (options?.CancelOnSigterm == true)
        {
            interrupts.HandleSigterm();
        }

        return interrupts;
    }

    public void Dispose()
    {
        if (_handlesCtrlC)
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }

        StopHandlingSigterm();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // Ctrl+\ (SIGQUIT) keeps its meaning; a second Ctrl+C falls through to the default: the process ends.
        if (e.SpecialKey == ConsoleSpecialKey.ControlC)
        {
            e.Cancel = Interrupt();
        }
    }

    /// <summary>On the signal's thread: the first interrupt cancels the main task on the loop; true while the process should live on.</summary>
    private bool Interrupt()
    {
        if (System.Threading.Interlocked.Increment(ref _received) > 1 || _main.IsCompleted)
        {
            return false;
        }

        try
        {
            _loop.CallSoonThreadSafe(static state => ((Task)state!).Cancel(), _main);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // The loop closed meanwhile: nothing left to cancel.
        }
    }

    partial void HandleSigterm();

    partial void StopHandlingSigterm();
}
