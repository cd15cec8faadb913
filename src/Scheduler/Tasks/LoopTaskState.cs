using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Scheduler;

/// <summary>
/// What the library knows about a <see cref="System.Threading.Tasks.Task"/>: its asyncio name and, for tasks the loop
/// created, how to cancel it. Kept in a weak table, so a plain <c>Task</c> needs no wrapper type.
/// </summary>
internal class LoopTaskState : FlowingTask
{
    private static long s_lastId;
    private static readonly ConditionalWeakTable<Task, LoopTaskState> s_states = new();

    /// <summary>The name given, or made from <see cref="_number"/> when first asked.</summary>
    private string? _name;

    /// <summary>The <c>N</c> of <c>Task-N</c>, taken when the task is made, as asyncio's counter.</summary>
    private readonly long _number;

    protected LoopTaskState(string? name)
    {
        _name = name;
        if (name is null)
        {
            _number = Interlocked.Increment(ref s_lastId);
        }
    }

    /// <summary>The name asyncio would show: <c>Task-N</c> unless set. Any thread.</summary>
    /// <remarks>
    /// The default string is made on first read, not with the task: most tasks are never named in a message, and two
    /// strings per task were a tenth of what <c>CreateTask</c> allocated. Two threads reading it first make equal strings.
    /// </remarks>
    public string Name
    {
        get => _name ??= "Task-" + _number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _name = value;
    }

    /// <summary>
    /// The loop task whose own code is running in the current logical flow (followed across awaits): null in work the
    /// task merely started, as asyncio's <c>current_task()</c> is None in a callback a task scheduled.
    /// </summary>
    public static LoopTaskState? Current
    {
        get
        {
            LoopTaskState? current = Flowing;

            // Inside a TPL task running on the task's loop (TaskFactory, ContinueWith): not the task's own step.
            return current?.Loop is { } loop && loop.IsExecutingQueuedTask ? null : current;
        }

        protected set => Flow(value);
    }

    /// <summary>The loop task flowing in the current context, whatever runs it (<see cref="Current"/> without its TPL check).</summary>
    public static new LoopTaskState? Flowing => (LoopTaskState?)FlowingTask.Flowing;

    public static bool TryGet(Task task, out LoopTaskState? state)
    {
        // A loop task's promise carries its state (see LoopTask): found without the weak table.
        if (OwnerOf(task) is LoopTaskState own)
        {
            state = own;
            return true;
        }

        return s_states.TryGetValue(task, out state);
    }

    /// <summary>The state of <paramref name="task"/>, creating a name-only one for a task the library did not create.</summary>
    public static LoopTaskState GetOrAdd(Task task) =>
        TryGet(task, out LoopTaskState? state) ? state! : s_states.GetValue(task, static _ => new LoopTaskState(null));

    protected static void Register(Task task, LoopTaskState state) => s_states.Add(task, state);

    /// <summary>Whether <paramref name="task"/> has an entry in the weak table; for tests.</summary>
    internal static bool IsInWeakTable(Task task) => s_states.TryGetValue(task, out _);

    /// <summary>The task the body returned, while it runs: where a dump starts to follow what the task awaits.</summary>
    public virtual Task? Body => null;

    /// <summary>When the task was created, on its loop's clock.</summary>
    public virtual TimeSpan CreatedAt => TimeSpan.Zero;

    private int _failureReported;

    /// <summary>True the first time only: an unobserved failure is reported once, whichever path sees it first.</summary>
    public bool TryMarkFailureReported() => Interlocked.Exchange(ref _failureReported, 1) == 0;

    /// <summary>The token the task's cancellation fires (the one <c>Func&lt;CancellationToken, Task&gt;</c> bodies get); none for tasks the library only names.</summary>
    public virtual CancellationToken CancellationToken => CancellationToken.None;

    /// <inheritdoc/>
    public override string DescribeStep() => $"task {Name}";

    /// <summary>How a task dump shows an await of this task.</summary>
    public virtual string DescribeAwait() => GetType().Name.Split('`')[0].Replace("Operation", string.Empty);

    /// <summary>Requests cancellation; false when the task is done or cannot be cancelled by the library.</summary>
    public virtual bool RequestCancel() => false;

    /// <summary>
    /// The cancellation requested for this task and not yet delivered, consumed by this call (edge-triggered, as
    /// asyncio's): the first loop-aware await that asks gets it, later ones do not.
    /// </summary>
    public virtual OperationCanceledException? TakePendingCancel() => null;

    /// <summary>
    /// Called by a loop-aware operation the task is about to await: a pending cancellation is delivered to it at once
    /// (it ends cancelled), otherwise it becomes the wait that a later cancellation interrupts. Loop thread only.
    /// </summary>
    public virtual void BeginWait(ICancellableWait wait)
    {
    }

    /// <summary>The loop-aware wait the task is suspended in now, if any. Loop thread only.</summary>
    public virtual ICancellableWait? HeldWait => null;

    /// <summary>Forgets <paramref name="wait"/> if it is still the task's current wait. Any thread.</summary>
    public virtual void EndWait(ICancellableWait wait)
    {
    }

    /// <summary>
    /// Ends the task's current loop-aware wait with <paramref name="exception"/>, without touching its cancellation
    /// state (<c>AsyncIO.Timeout</c>'s deadline). Returns false if the task is not waiting. Loop thread only.
    /// </summary>
    public virtual bool InterruptWait(OperationCanceledException exception) => false;

    /// <summary>Whether <paramref name="task"/> is a library task whose requested cancellation no loop-aware await took yet.</summary>
    public static bool HasUndeliveredCancel(Task task) => TryGet(task, out LoopTaskState? state) && state!.IsCancelPending;

    /// <summary>Whether a cancellation was requested and no loop-aware await has taken it yet.</summary>
    public virtual bool IsCancelPending => false;

    /// <summary>The number of cancellations requested and not withdrawn (asyncio's <c>task.cancelling()</c>).</summary>
    public virtual int Cancelling => 0;

    /// <summary>How many cancellations were delivered to the task's code and not withdrawn by <see cref="Uncancel"/>.</summary>
    public virtual int CancelDeliveries => 0;

    /// <summary>
    /// Withdraws one cancellation request (asyncio's <c>task.uncancel()</c>); when none is left, an undelivered one is
    /// dropped. Returns the requests left.
    /// </summary>
    public virtual int Uncancel() => 0;
}
