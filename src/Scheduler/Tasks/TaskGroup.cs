using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// Structured concurrency: <c>await using var tg = new TaskGroup(); tg.CreateTask(...);</c> — disposal waits for every
/// child; the first failure cancels the other children and the owner's body; the failures come out as one
/// <see cref="AggregateException"/>. <para>Equivalent to asyncio's <c>asyncio.TaskGroup</c>.</para>
/// </summary>
/// <remarks>
/// <para>Loop-affine: create, use and dispose it on the loop thread, inside the loop task that owns it.</para>
/// <para>A child cancelled on its own is not a failure. The cancellation the group delivers to its owner's body is
/// withdrawn when the group ends (asyncio's <c>uncancel</c>), so the owner can catch the <see cref="AggregateException"/>
/// and go on. If the owner was cancelled from outside and no child failed, disposal throws
/// <see cref="OperationCanceledException"/>.</para>
/// <para>Differs from asyncio: a failure is an <see cref="AggregateException"/> (asyncio: an <c>ExceptionGroup</c>), always,
/// even for one failure. An exception thrown by the body itself is invisible to <see cref="DisposeAsync"/> in .NET,
/// so the children then run to completion before it propagates.</para>
/// </remarks>
public sealed class TaskGroup : IAsyncDisposable
{
    private readonly LoopTaskScheduler _loop;
    private readonly LoopTaskState? _owner;
    private readonly int _ownerDeliveriesAtStart;
    private readonly HashSet<Task> _tasks = [];
    private readonly List<Exception> _errors = [];
    private readonly Action<Task> _onChildDone;
    private TaskCompletionSource<bool>? _allDone;
    private bool _aborting;
    private bool _exiting;
    private bool _exited;
    private bool _ownerCancelRequested;
    private CancellationTokenSource? _shutdown;

    /// <summary>Creates a group bound to the running loop and to the loop task running this code, its owner.</summary>
    /// <exception cref="InvalidOperationException">No loop runs on this thread.</exception>
    public TaskGroup()
    {
        _loop = LoopTaskScheduler.RunningOrThrow();
        if (LoopTaskState.Current is { } current && ReferenceEquals(current.Loop, _loop))
        {
            _owner = current;
            _ownerDeliveriesAtStart = current.CancelDeliveries;
        }

        _onChildDone = OnChildDone;
    }

    /// <summary>
    /// A token for the body's own awaits that are not loop-aware (<c>listener.AcceptTcpClientAsync(tg.Token)</c>): it
    /// fires when the group shuts down (a child failed, or the owner's cancellation reached the group) and when the owner
    /// task is cancelled — the moments the children's tokens fire. Loop thread only.
    /// </summary>
    public CancellationToken Token
    {
        get
        {
            if (_shutdown is null)
            {
                _shutdown = _owner?.CancellationToken is { CanBeCanceled: true } owner
                    ? CancellationTokenSource.CreateLinkedTokenSource(owner)
                    : new CancellationTokenSource();
                if (_aborting)
                {
                    _shutdown.Cancel();
                }
            }

            return _shutdown.Token;
        }
    }

    /// <summary>Starts <paramref name="body"/> as a child (as <c>loop.CreateTask</c>: in a later iteration).</summary>
    /// <exception cref="InvalidOperationException">The group is finished or shutting down.</exception>
    public Task CreateTask(Func<Task> body, string? name = null) => Add(() => _loop.CreateTask(body, name));

    /// <summary>Starts <paramref name="body"/> as a child.</summary>
    /// <exception cref="InvalidOperationException">The group is finished or shutting down.</exception>
    public Task<T> CreateTask<T>(Func<Task<T>> body, string? name = null) => Add(() => _loop.CreateTask(body, name));

    /// <summary>Starts <paramref name="body"/> as a child, with the token that its cancellation fires.</summary>
    /// <exception cref="InvalidOperationException">The group is finished or shutting down.</exception>
    public Task CreateTask(Func<CancellationToken, Task> body, string? name = null) => Add(() => _loop.CreateTask(body, name));

    /// <summary>Starts <paramref name="body"/> as a child, with the token that its cancellation fires.</summary>
    /// <exception cref="InvalidOperationException">The group is finished or shutting down.</exception>
    public Task<T> CreateTask<T>(Func<CancellationToken, Task<T>> body, string? name = null) => Add(() => _loop.CreateTask(body, name));

    /// <summary>
    /// Waits for every child. Throws the children's failures as one <see cref="AggregateException"/>; or, if the owner
    /// was cancelled from outside and no child failed, <see cref="OperationCanceledException"/>. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _loop.CheckThread("TaskGroup.DisposeAsync");
        if (_exiting)
        {
            return;
        }

        _exiting = true;
        OperationCanceledException? propagate = null;

        // The body was interrupted by a cancellation, the group's or one from outside: asyncio's __aexit__ with CancelledError.
        if (_owner is not null && _owner.CancelDeliveries > _ownerDeliveriesAtStart)
        {
            propagate = new OperationCanceledException($"The task {_owner.Name} was cancelled.");
            if (!_aborting)
            {
                Abort();
            }
        }

        while (_tasks.Count > 0)
        {
            _allDone = new TaskCompletionSource<bool>(UnseenWork.CompletedByTheLoop, TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                // Shielded: a cancellation of the owner ends this await, not the children's wait for the group.
                await _allDone.Task.Shield();
            }
            catch (OperationCanceledException cancelled)
            {
                if (!_aborting)
                {
                    propagate = cancelled;
                    Abort();
                }
            }

            _allDone = null;
        }

        _exited = true;
        if (_ownerCancelRequested && _owner!.Uncancel() == 0)
        {
            propagate = null;
        }

        if (_errors.Count > 0)
        {
            throw new AggregateException("Unhandled errors in a TaskGroup.", _errors);
        }

        if (propagate is not null)
        {
            throw propagate;
        }
    }

    private TTask Add<TTask>(Func<TTask> create)
        where TTask : Task
    {
        _loop.CheckThread("TaskGroup.CreateTask");
        if (_exited || (_exiting && _tasks.Count == 0))
        {
            throw new InvalidOperationException("This TaskGroup is finished: create its tasks before it is disposed.");
        }

        if (_aborting)
        {
            throw new InvalidOperationException("This TaskGroup is shutting down (a child failed or it was cancelled): it takes no new tasks.");
        }

        TTask task = create();
        _tasks.Add(task);
        task.AddDoneCallback(_onChildDone);
        return task;
    }

    private void OnChildDone(Task task)
    {
        _tasks.Remove(task);
        if (_tasks.Count == 0)
        {
            _allDone?.TrySetResult(true);
        }

        if (!task.IsFaulted)
        {
            return; // A child cancelled on its own is no failure.
        }

        _errors.AddRange(task.Exception!.InnerExceptions);
        if (_aborting)
        {
            return;
        }

        Abort();
        if (_owner is { Task.IsCompleted: false } owner)
        {
            // Interrupt whatever the body awaits now; DisposeAsync withdraws this request again.
            _ownerCancelRequested = true;
            owner.RequestCancel();
        }
    }

    private void Abort()
    {
        _aborting = true;
        try
        {
            _shutdown?.Cancel();
        }
        catch (AggregateException exception)
        {
            _loop.CallExceptionHandler(new LoopExceptionContext("A callback of TaskGroup.Token threw") { Exception = exception });
        }

        foreach (Task task in _tasks)
        {
            if (!task.IsCompleted)
            {
                task.Cancel();
            }
        }
    }
}
