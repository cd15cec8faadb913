using System.Runtime.InteropServices;

namespace Scheduler;

/// <summary>SIGTERM for <see cref="LoopOptions.CancelOnSigterm"/> (.NET 8 and later: the project leaves this file out of .NET Standard 2.0).</summary>
internal sealed partial class Interrupts
{
    private PosixSignalRegistration? _sigterm;

    partial void HandleSigterm() =>
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = Interrupt());

    partial void StopHandlingSigterm()
    {
        _sigterm?.Dispose();
        _sigterm = null;
    }
}
