using System;

namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    private Action<LoopTaskScheduler, LoopExceptionContext>? _exceptionHandler;

    /// <summary>
    /// Sets the handler that receives exceptions the loop catches (from callbacks, <c>async void</c> methods,
    /// unobserved task failures); null restores the default handler.
    /// <para>Equivalent to asyncio's <c>loop.set_exception_handler</c>.</para>
    /// </summary>
    public void SetExceptionHandler(Action<LoopTaskScheduler, LoopExceptionContext>? handler) => _exceptionHandler = handler;

    /// <summary>The handler set by <see cref="SetExceptionHandler"/>, or null for the default.
    /// Equivalent to asyncio's <c>loop.get_exception_handler</c>.</summary>
    public Action<LoopTaskScheduler, LoopExceptionContext>? GetExceptionHandler() => _exceptionHandler;

    /// <summary>
    /// Hands <paramref name="context"/> to the exception handler. An exception thrown by a custom handler goes to
    /// the default handler; nothing thrown here reaches the caller.
    /// <para>Equivalent to asyncio's <c>loop.call_exception_handler</c>.</para>
    /// </summary>
    public void CallExceptionHandler(LoopExceptionContext context)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }

        Action<LoopTaskScheduler, LoopExceptionContext>? handler = _exceptionHandler;
        if (handler is null)
        {
            DefaultExceptionHandler(context);
            return;
        }

        try
        {
            handler(this, context);
        }
        catch (Exception exception)
        {
            // As asyncio: the default handler gets both, what was being handled and the handler's own failure.
            DefaultExceptionHandler(context);
            DefaultExceptionHandler(new LoopExceptionContext($"Unhandled error in exception handler while handling: {context.Message}")
            {
                Exception = exception,
                Task = context.Task,
                Handle = context.Handle,
            });
        }
    }

    /// <summary>
    /// The default handler: writes the message, the task or handle, and the exception to <see cref="LoopOptions.Log"/>.
    /// Never throws. Equivalent to asyncio's <c>loop.default_exception_handler</c>.
    /// </summary>
    public void DefaultExceptionHandler(LoopExceptionContext context)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }

        string text;
        try
        {
            text = context.ToString();
        }
        catch (Exception broken)
        {
            // An exception whose text throws must not take the loop down through its own report.
            text = $"{context.Message}\n({context.Exception?.GetType().FullName}; its text could not be read: {broken.GetType().Name})";
        }

        if (context.Task is { } task && FlowingTask.OwnerOf(task)?.CreationStack is { } created)
        {
            text += "\ntask created at:\n" + created;
        }

        WriteLog(text);
    }
}
