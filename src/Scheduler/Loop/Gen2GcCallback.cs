using System;
using System.Runtime.InteropServices;

namespace Scheduler;

/// <summary>
/// Calls back after gen2 garbage collections, as the runtime's own pools learn when to trim: an unreachable object
/// whose finalizer runs after each collection that finds it dead, and registers itself again. Promoted to gen2 after
/// its first runs, it then runs after gen2 collections only.
/// </summary>
/// <remarks>
/// The target is held weakly, so the callback never keeps it alive; it stops once the target is collected or the
/// callback returns false. It runs on the finalizer thread.
/// </remarks>
internal sealed class Gen2GcCallback
{
    private readonly Func<object, bool> _callback;
    private GCHandle _target;

    private Gen2GcCallback(Func<object, bool> callback, object target)
    {
        _callback = callback;
        _target = GCHandle.Alloc(target, GCHandleType.Weak);
    }

    ~Gen2GcCallback()
    {
        if (_target.Target is { } target)
        {
            bool again;
            try
            {
                again = _callback(target);
            }
            catch (Exception)
            {
                // An exception on the finalizer thread would end the process: stop calling back instead.
                again = false;
            }

            if (again)
            {
                GC.ReRegisterForFinalize(this);
                return;
            }
        }

        _target.Free();
    }

    /// <summary>Calls <paramref name="callback"/>(<paramref name="target"/>) after gen2 collections, while it returns true.</summary>
    public static void Register(Func<object, bool> callback, object target) => _ = new Gen2GcCallback(callback, target);
}
