using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace Scheduler.Tests;

/// <summary>What one step of a random loop program does.</summary>
internal enum ModelOpKind
{
    /// <summary><c>CallSoon</c> of a callback that records itself, then runs its body.</summary>
    Soon,

    /// <summary><c>CallLater(Value ms)</c> of a callback that records itself, then runs its body.</summary>
    Later,

    /// <summary>Cancels handle number <c>Value % handles so far</c> (of the <c>Soon</c>s and <c>Later</c>s scheduled).</summary>
    Cancel,

    /// <summary><c>CreateTask</c> of a body that records its start, then runs its ops (which may sleep).</summary>
    Spawn,

    /// <summary><c>await AsyncIO.Sleep(Value ms)</c>, then records the wake-up; in task bodies only.</summary>
    Sleep,

    /// <summary><c>task.Cancel()</c> of task number <c>Value % tasks so far</c> (main is number 0).</summary>
    CancelTask,
}

/// <summary>
/// One step of a random loop program. A class, not a record: each node is identified by reference and numbered
/// (<see cref="Id"/>) in pre-order by <see cref="ModelProgram"/>, so the model and the loop name it alike in their traces.
/// </summary>
internal sealed class ModelOp(ModelOpKind kind, int value, ModelOp[] body)
{
    public ModelOpKind Kind { get; } = kind;

    /// <summary>The delay in milliseconds (<see cref="ModelOpKind.Later"/>, <see cref="ModelOpKind.Sleep"/>) or the handle number.</summary>
    public int Value { get; } = value;

    /// <summary>What a callback or task runs; empty for the others.</summary>
    public ModelOp[] Body { get; } = body;

    public int Id { get; set; }

    /// <summary>What the trace records when this node runs (a callback, a task's start, a sleep's wake-up).</summary>
    public string Label => Kind switch
    {
        ModelOpKind.Soon => "S",
        ModelOpKind.Later => "L",
        ModelOpKind.Spawn => "T",
        ModelOpKind.Sleep => "Z",
        _ => "?",
    } + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => Kind switch
    {
        ModelOpKind.Soon => $"{Label}:Soon{Print(Body)}",
        ModelOpKind.Later => $"{Label}:Later({Value}ms){Print(Body)}",
        ModelOpKind.Cancel => $"Cancel(#{Value})",
        ModelOpKind.CancelTask => $"CancelTask(#{Value})",
        ModelOpKind.Spawn => $"{Label}:Task{Print(Body)}",
        ModelOpKind.Sleep => $"{Label}:Sleep({Value}ms)",
        _ => "?",
    };

    public static string Print(ModelOp[] ops) => ops.Length == 0 ? string.Empty : "[" + string.Join(", ", ops.Select(o => o.ToString())) + "]";
}

/// <summary>
/// A random program: the body of a main task created before the loop runs, and the way virtual time moves: the test
/// advancing a <see cref="FakeTimeProvider"/> 1 ms at a time with <c>RunUntilIdle</c>, or <c>RunForever</c> with
/// <see cref="LoopOptions.AutoAdvance"/>.
/// </summary>
internal sealed class ModelProgram
{
    public ModelProgram(ModelOp[] main, bool autoAdvance)
    {
        Main = main;
        AutoAdvance = autoAdvance;
        int next = 0;
        Number(main, ref next);
    }

    public ModelOp[] Main { get; }

    public bool AutoAdvance { get; }

    /// <summary>Later than any timer of the program can be due: the sum of every delay in it, plus one.</summary>
    public int Horizon => Sum(Main) + 1;

    public override string ToString() => $"{(AutoAdvance ? "AutoAdvance" : "Stepped")} main{ModelOp.Print(Main)}";

    private static void Number(ModelOp[] ops, ref int next)
    {
        foreach (ModelOp op in ops)
        {
            op.Id = next++;
            Number(op.Body, ref next);
        }
    }

    private static int Sum(ModelOp[] ops) => ops.Sum(o => (o.Kind is ModelOpKind.Later or ModelOpKind.Sleep ? o.Value : 0) + Sum(o.Body));
}

/// <summary>
/// The reference: a list-based simulator of the loop's documented rules. One FIFO ready queue; each iteration first
/// moves the due timers into it in (when, scheduling order), then runs exactly the entries that were queued when it
/// began, skipping cancelled ones; what they schedule runs in a later iteration. An idle loop jumps to its earliest timer.
/// Timers and sleeps share one scheduling sequence. A task's first step is a ready entry; a sleep's wake-up runs the rest
/// of the task as the timer's own callback (the library resumes the awaiting method inline from the timer).
/// <para>Task cancellation, as asyncio's: a task cancelled before its first step never runs; otherwise the request is
/// delivered by a callback queued at <c>Cancel</c>, which ends the sleep the task waits in (its timer is cancelled and
/// the task resumes, throwing, from a callback queued then). A request still undelivered when the task resumes from a
/// sleep, or starts a new one, throws there at once; a body that ends with one undelivered ends cancelled. The trace
/// ends with each task's final status.</para>
/// </summary>
internal sealed class SchedulerModel
{
    private readonly Queue<Entry> _ready = new();
    private readonly List<ModelTask> _tasks = [];
    private readonly List<Entry> _timers = [];
    private readonly List<Entry> _handles = [];
    private readonly List<string> _trace = [];
    private long _now;
    private long _sequence;

    public static List<string> Run(ModelProgram program)
    {
        var model = new SchedulerModel();
        model.Spawn(program.Main, null);
        model.RunToCompletion();
        foreach (ModelTask task in model._tasks)
        {
            model._trace.Add($"{task.Name}:{(task.Canceled ? "Canceled" : "RanToCompletion")}");
        }

        return model._trace;
    }

    private void RunToCompletion()
    {
        while (true)
        {
            // Due timers, in (when, sequence) order, behind what is ready.
            foreach (Entry due in _timers.Where(t => t.When <= _now).OrderBy(t => t.When).ThenBy(t => t.Sequence).ToList())
            {
                _timers.Remove(due);
                _ready.Enqueue(due);
            }

            if (_ready.Count == 0)
            {
                if (_timers.Count == 0)
                {
                    return;
                }

                _now = _timers.Min(t => t.When);
                continue;
            }

            for (int remaining = _ready.Count; remaining > 0; remaining--)
            {
                Entry entry = _ready.Dequeue();
                if (entry.Cancelled)
                {
                    continue;
                }

                entry.Started = true;
                entry.Run();
            }
        }
    }

    private void Record(ModelOp op) => _trace.Add($"{op.Label}@{_now}");

    private Entry CallSoon(Action run)
    {
        var entry = new Entry(run);
        _ready.Enqueue(entry);
        return entry;
    }

    private Entry CallLater(int delayMs, Action run)
    {
        var entry = new Entry(run) { When = _now + delayMs, Sequence = ++_sequence };
        _timers.Add(entry);
        return entry;
    }

    /// <summary>A task: its first step is queued like a <c>CallSoon</c>; <paramref name="op"/> is null for main.</summary>
    private void Spawn(ModelOp[] body, ModelOp? op)
    {
        var task = new ModelTask(op?.Label ?? "main", body);
        _tasks.Add(task);
        CallSoon(() =>
        {
            if (task.Requested)
            {
                // Cancelled before its first step: the body never runs.
                End(task, canceled: true);
                return;
            }

            task.Started = true;
            if (op is not null)
            {
                Record(op);
            }

            Step(task, 0);
        });
    }

    /// <summary>Runs a task body from <paramref name="start"/> until it sleeps or ends.</summary>
    private void Step(ModelTask task, int start)
    {
        for (int i = start; i < task.Body.Length; i++)
        {
            ModelOp op = task.Body[i];
            if (op.Kind == ModelOpKind.Sleep)
            {
                if (task.Pending)
                {
                    // A request not yet delivered is thrown by the next sleep as it starts.
                    task.Pending = false;
                    End(task, canceled: true);
                    return;
                }

                int next = i + 1;
                task.Wait = CallLater(op.Value, () =>
                {
                    task.Wait = null;
                    if (task.Pending)
                    {
                        // Woken by its timer with a request still undelivered: the sleep throws it.
                        task.Pending = false;
                        End(task, canceled: true);
                        return;
                    }

                    Record(op);
                    Step(task, next);
                });
                return;
            }

            Execute(op);
        }

        // A body that returns with its cancellation undelivered ends cancelled (asyncio's test_cancel_at_end).
        End(task, canceled: task.Pending);
    }

    private void CancelTask(ModelTask task)
    {
        if (task.Done)
        {
            return;
        }

        task.Requested = true;
        task.Pending = true;
        if (task.Started)
        {
            CallSoon(() =>
            {
                if (task.Done || !task.Pending || task.Wait is not { } wait)
                {
                    return;
                }

                // Delivered: the sleep's timer is cancelled, and the task resumes, throwing, from a callback queued now.
                task.Pending = false;
                wait.Cancelled = true;
                _timers.Remove(wait);
                task.Wait = null;
                CallSoon(() => End(task, canceled: true));
            });
        }
    }

    private static void End(ModelTask task, bool canceled)
    {
        task.Done = true;
        task.Canceled = canceled;
    }

    /// <summary>Runs a callback body: no sleeps there.</summary>
    private void RunCallback(ModelOp[] body)
    {
        foreach (ModelOp op in body)
        {
            Execute(op);
        }
    }

    private void Execute(ModelOp op)
    {
        switch (op.Kind)
        {
            case ModelOpKind.Soon:
                _handles.Add(CallSoon(() =>
                {
                    Record(op);
                    RunCallback(op.Body);
                }));
                break;
            case ModelOpKind.Later:
                _handles.Add(CallLater(op.Value, () =>
                {
                    Record(op);
                    RunCallback(op.Body);
                }));
                break;
            case ModelOpKind.Cancel:
                if (_handles.Count > 0)
                {
                    // A handle whose callback already started (or ran) cancels nothing.
                    Entry handle = _handles[op.Value % _handles.Count];
                    if (!handle.Started)
                    {
                        handle.Cancelled = true;
                        _timers.Remove(handle);
                    }
                }

                break;
            case ModelOpKind.Spawn:
                Spawn(op.Body, op);
                break;
            case ModelOpKind.CancelTask:
                CancelTask(_tasks[op.Value % _tasks.Count]);
                break;
            default:
                throw new InvalidOperationException($"{op} outside a task body");
        }
    }

    private sealed class ModelTask(string name, ModelOp[] body)
    {
        public string Name { get; } = name;

        public ModelOp[] Body { get; } = body;

        public bool Started { get; set; }

        public bool Done { get; set; }

        public bool Canceled { get; set; }

        /// <summary>Cancellation was requested (a task not started yet then never starts).</summary>
        public bool Requested { get; set; }

        /// <summary>A request no await has taken yet.</summary>
        public bool Pending { get; set; }

        /// <summary>The timer of the sleep the task waits in.</summary>
        public Entry? Wait { get; set; }
    }

    private sealed class Entry(Action run)
    {
        public Action Run { get; } = run;

        public bool Cancelled { get; set; }

        public bool Started { get; set; }

        public long When { get; init; }

        public long Sequence { get; init; }
    }
}

/// <summary>Runs a <see cref="ModelProgram"/> on a real loop over a <see cref="FakeTimeProvider"/> and records its trace.</summary>
internal sealed class LoopProgramRunner
{
    private readonly LoopTaskScheduler _loop;
    private readonly List<string> _trace = [];
    private readonly List<Action> _handles = [];
    private readonly List<(string Name, Task Task)> _tasks = [];
    private readonly List<string> _errors = [];
    private readonly TimeSpan _start;

    private LoopProgramRunner(LoopTaskScheduler loop)
    {
        _loop = loop;
        _start = loop.Time();
        _loop.SetExceptionHandler((_, context) => _errors.Add(context.ToString()));
    }

    /// <summary>The trace, and whatever went wrong besides: exceptions reported, tasks unfinished, work left over.</summary>
    public static (List<string> Trace, List<string> Errors) Run(ModelProgram program)
    {
        var clock = new FakeTimeProvider();
        using var loop = new LoopTaskScheduler(new LoopOptions
        {
            TimeProvider = clock,
            AutoAdvance = program.AutoAdvance,
            Log = new System.IO.StringWriter(),
            Name = "model-test",
        });
        var runner = new LoopProgramRunner(loop);
        if (program.AutoAdvance)
        {
            // Scheduled first but due after everything else: under AutoAdvance the loop jumps from timer to timer.
            loop.CallLater(TimeSpan.FromMilliseconds(program.Horizon), loop.Stop);
            runner.Spawn(program.Main, null);
            loop.RunForever();
        }
        else
        {
            runner.Spawn(program.Main, null);
            for (int ms = 0; ms <= program.Horizon; ms++)
            {
                loop.RunUntilIdle();
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        int traced = runner._trace.Count;
        clock.Advance(TimeSpan.FromHours(1));
        loop.RunUntilIdle();
        if (runner._trace.Count != traced)
        {
            runner._errors.Add($"ran after the program's horizon: {string.Join(" ", runner._trace.Skip(traced))}");
        }

        foreach ((string name, Task task) in runner._tasks)
        {
            runner._trace.Add($"{name}:{task.Status}");
        }

        return (runner._trace, runner._errors);
    }

    private void Record(ModelOp op) => _trace.Add($"{op.Label}@{(_loop.Time() - _start).Ticks / TimeSpan.TicksPerMillisecond}");

    private void Spawn(ModelOp[] body, ModelOp? op) => _tasks.Add((op?.Label ?? "main", _loop.CreateTask(async () =>
    {
        if (op is not null)
        {
            Record(op);
        }

        foreach (ModelOp step in body)
        {
            if (step.Kind == ModelOpKind.Sleep)
            {
                await AsyncIO.Sleep(TimeSpan.FromMilliseconds(step.Value));
                Record(step);
            }
            else
            {
                Execute(step);
            }
        }
    })));

    private void Execute(ModelOp op)
    {
        switch (op.Kind)
        {
            case ModelOpKind.Soon:
                LoopHandle soon = _loop.CallSoon(() =>
                {
                    Record(op);
                    RunCallback(op.Body);
                });
                _handles.Add(soon.Cancel);
                break;
            case ModelOpKind.Later:
                LoopTimerHandle later = _loop.CallLater(TimeSpan.FromMilliseconds(op.Value), () =>
                {
                    Record(op);
                    RunCallback(op.Body);
                });
                _handles.Add(later.Cancel);
                break;
            case ModelOpKind.Cancel:
                if (_handles.Count > 0)
                {
                    _handles[op.Value % _handles.Count]();
                }

                break;
            case ModelOpKind.Spawn:
                Spawn(op.Body, op);
                break;
            case ModelOpKind.CancelTask:
                _tasks[op.Value % _tasks.Count].Task.Cancel();
                break;
            default:
                throw new InvalidOperationException($"{op} outside a task body");
        }
    }

    private void RunCallback(ModelOp[] body)
    {
        foreach (ModelOp op in body)
        {
            Execute(op);
        }
    }
}

/// <summary>Compares a loop's trace with the model's, naming the first difference.</summary>
internal static class TraceDiff
{
    public static string? Explain(IReadOnlyList<string> expected, IReadOnlyList<string> actual, IReadOnlyList<string> errors)
    {
        int first = 0;
        while (first < expected.Count && first < actual.Count && expected[first] == actual[first])
        {
            first++;
        }

        if (first == expected.Count && first == actual.Count && errors.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        if (first < expected.Count || first < actual.Count)
        {
            text.Append("first difference at #").Append(first)
                .Append(": model ").Append(first < expected.Count ? expected[first] : "<end>")
                .Append(", loop ").Append(first < actual.Count ? actual[first] : "<end>").AppendLine();
        }

        text.Append("model: ").AppendJoin(' ', expected).AppendLine();
        text.Append("loop:  ").AppendJoin(' ', actual).AppendLine();
        foreach (string error in errors)
        {
            text.Append("error: ").AppendLine(error);
        }

        return text.ToString();
    }
}
