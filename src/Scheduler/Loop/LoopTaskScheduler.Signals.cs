using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Scheduler;

/// <summary>Signal handlers that run on the loop (.NET 8 and later: the project leaves this file out of .NET Standard 2.0).</summary>
public sealed partial class LoopTaskScheduler
{
    /// <summary>The registration and the handler of each signal with a handler; guarded by itself (the signal thread reads it).</summary>
    private readonly Dictionary<PosixSignal, (PosixSignalRegistration Registration, Action Handler)> _signals = [];

    /// <summary>
    /// Runs <paramref name="handler"/> on the loop each time the process receives <paramref name="signal"/>, instead of
    /// the signal's default action (a SIGINT or SIGTERM with a handler no longer ends the process). Replaces the
    /// signal's previous handler. The handler is posted from the signal thread, as <see cref="CallSoonThreadSafe(Action)"/>
    /// would, and runs in a later iteration. Equivalent to asyncio's <c>loop.add_signal_handler(sig, callback)</c>.
    /// </summary>
    /// <remarks>Any thread. The handlers are removed when the loop closes.</remarks>
    /// <exception cref="InvalidOperationException">The loop is closed.</exception>
    /// <exception cref="PlatformNotSupportedException">The signal cannot be handled on this platform.</exception>
    public void AddSignalHandler(PosixSignal signal, Action handler)
    {
        if (handler is null)
        {
            throw new ArgumentNullException(nameof(handler));
        }

        ThrowIfClosed();
        PosixSignalRegistration registration = PosixSignalRegistration.Create(signal, OnSignal);
        lock (_signals)
        {
            if (_signals.TryGetValue(signal, out var previous))
            {
                previous.Registration.Dispose();
            }

            _signals[signal] = (registration, handler);
        }
    }

    /// <summary>
    /// Removes the handler of <paramref name="signal"/>, giving the signal its default action back. Returns whether there
    /// was one. Any thread. Equivalent to asyncio's <c>loop.remove_signal_handler(sig)</c>.
    /// </summary>
    public bool RemoveSignalHandler(PosixSignal signal)
    {
        lock (_signals)
        {
            if (!_signals.TryGetValue(signal, out var entry))
            {
                return false;
            }

            _signals.Remove(signal);
            entry.Registration.Dispose();
            return true;
        }
    }

    /// <summary>On the signal thread: the loop handles the signal, so the runtime does not apply its default action.</summary>
    private void OnSignal(PosixSignalContext context)
    {
        Action? handler;
        lock (_signals)
        {
            handler = _signals.TryGetValue(context.Signal, out var entry) ? entry.Handler : null;
        }

        if (handler is null)
        {
            return;
        }

        context.Cancel = true;
        if (!_inbox.Add(new WorkItem(handler, null, null)))
        {
            WriteLog($"Signal {context.Signal} arrived after the event loop was closed; its handler did not run.");
        }
    }

    partial void CloseSignals()
    {
        lock (_signals)
        {
            foreach (var entry in _signals.Values)
            {
                entry.Registration.Dispose();
            }

            _signals.Clear();
        }
    }
}
