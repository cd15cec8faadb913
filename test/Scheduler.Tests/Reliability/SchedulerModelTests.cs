using System;
using System.Collections.Generic;
using CsCheck;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The loop against a reference model (<see cref="SchedulerModel"/>): random programs of <c>CallSoon</c>,
/// <c>CallLater</c>, handle cancels, <c>CreateTask</c>, <c>Sleep</c> and <c>task.Cancel()</c> must run in the model's
/// order, each at the model's virtual time, and leave each task in the model's final state. CsCheck shrinks a failure to the smallest program it finds and prints its seed; set the
/// environment variable <c>CsCheck_Seed</c> to replay it.
/// </summary>
public class SchedulerModelTests
{
    /// <summary>Enough programs to cover the interleavings that matter, in about a second on two cores.</summary>
    private const int Programs = 10_000;

    private static readonly Gen<int> s_delay = Gen.Int[0, 4];

    private static readonly Gen<ModelProgram> s_program =
        Gen.Select(Ops(depth: 2, inTask: true, maxOps: 10), Gen.Bool, (main, autoAdvance) => new ModelProgram(main, autoAdvance));

    [Fact]
    public void LoopTaskScheduler_RandomProgramsOnVirtualTime_MatchTheModelsOrderTimesAndTaskStates() => Guard.Run(() =>
    {
        s_program.Sample(
            program =>
            {
                List<string> expected = SchedulerModel.Run(program);
                (List<string> actual, List<string> errors) = LoopProgramRunner.Run(program);
                string? difference = TraceDiff.Explain(expected, actual, errors);
                if (difference is not null)
                {
                    throw new ShouldAssertException($"The loop departs from the model.{Environment.NewLine}{difference}");
                }
            },
            iter: Programs,
            threads: 1,
            print: program => program.ToString());
    });

    [Fact]
    public void SchedulerModel_KnownProgram_FollowsTheLoopRules()
    {
        // main: Soon S0 (schedules S1), Later(2ms) L2, Task T3 [Sleep(0) Z4, Soon S5], Sleep(2ms) Z6, Cancel(#0).
        var program = new ModelProgram(
            [
                new ModelOp(ModelOpKind.Soon, 0, [new ModelOp(ModelOpKind.Soon, 0, [])]),
                new ModelOp(ModelOpKind.Later, 2, []),
                new ModelOp(ModelOpKind.Spawn, 0, [new ModelOp(ModelOpKind.Sleep, 0, []), new ModelOp(ModelOpKind.Soon, 0, [])]),
                new ModelOp(ModelOpKind.Sleep, 2, []),
                new ModelOp(ModelOpKind.Cancel, 0, []),
            ],
            autoAdvance: false);

        List<string> trace = SchedulerModel.Run(program);

        // Iteration 1: main runs. 2: S0, T3 (FIFO). 3: S1 (queued by S0), then Z4 (its Sleep(0) timer, due, goes in
        // behind what is ready). 4: S5. At 2 ms: L2 before Z6 (scheduled first); Z6's Cancel(#0) finds S0 already run.
        trace.ShouldBe(["S0@0", "T3@0", "S1@0", "Z4@0", "S5@0", "L2@2", "Z6@2", "main:RanToCompletion", "T3:RanToCompletion"]);
    }

    [Fact]
    public void SchedulerModel_CancelledTimer_NeverRuns()
    {
        var program = new ModelProgram(
            [
                new ModelOp(ModelOpKind.Later, 1, []),
                new ModelOp(ModelOpKind.Later, 1, []),
                new ModelOp(ModelOpKind.Cancel, 0, []),
            ],
            autoAdvance: true);

        SchedulerModel.Run(program).ShouldBe(["L1@1", "main:RanToCompletion"]);
    }

    [Fact]
    public void SchedulerModel_TaskCancelledWhileAsleep_ResumesThrowingAndEndsCancelled()
    {
        // main: Task T0 [Sleep(5ms) Z1, Soon S2], Sleep(1ms) Z3, CancelTask(#1), Soon S5.
        var program = new ModelProgram(
            [
                new ModelOp(ModelOpKind.Spawn, 0, [new ModelOp(ModelOpKind.Sleep, 5, []), new ModelOp(ModelOpKind.Soon, 0, [])]),
                new ModelOp(ModelOpKind.Sleep, 1, []),
                new ModelOp(ModelOpKind.CancelTask, 1, []),
                new ModelOp(ModelOpKind.Soon, 0, []),
            ],
            autoAdvance: true);

        SchedulerModel.Run(program).ShouldBe(["T0@0", "Z3@1", "S5@1", "main:RanToCompletion", "T0:Canceled"]);
    }

    [Fact]
    public void SchedulerModel_TaskCancelledBeforeItsFirstStep_NeverRuns()
    {
        var program = new ModelProgram(
            [
                new ModelOp(ModelOpKind.Spawn, 0, [new ModelOp(ModelOpKind.Soon, 0, [])]),
                new ModelOp(ModelOpKind.CancelTask, 1, []),
            ],
            autoAdvance: false);

        SchedulerModel.Run(program).ShouldBe(["main:RanToCompletion", "T0:Canceled"]);
    }

    /// <summary>
    /// Ops of a callback body (<paramref name="inTask"/> false: no sleeps) or a task body; nested bodies go
    /// <paramref name="depth"/> levels down.
    /// </summary>
    private static Gen<ModelOp[]> Ops(int depth, bool inTask, int maxOps)
    {
        var choices = new List<(int, IGen<ModelOp>)>
        {
            (4, Gen.Const(() => new ModelOp(ModelOpKind.Soon, 0, []))),
            (4, s_delay.Select(d => new ModelOp(ModelOpKind.Later, d, []))),
            (3, Gen.Int[0, 15].Select(i => new ModelOp(ModelOpKind.Cancel, i, []))),
            (2, Gen.Int[0, 7].Select(i => new ModelOp(ModelOpKind.CancelTask, i, []))),
        };
        if (inTask)
        {
            choices.Add((4, s_delay.Select(d => new ModelOp(ModelOpKind.Sleep, d, []))));
        }

        if (depth > 0)
        {
            Gen<ModelOp[]> callbackBody = Ops(depth - 1, inTask: false, maxOps: 3);
            choices.Add((2, callbackBody.Select(b => new ModelOp(ModelOpKind.Soon, 0, b))));
            choices.Add((2, Gen.Select(s_delay, callbackBody, (d, b) => new ModelOp(ModelOpKind.Later, d, b))));
            choices.Add((2, Ops(depth - 1, inTask: true, maxOps: 4).Select(b => new ModelOp(ModelOpKind.Spawn, 0, b))));
        }

        return Gen.Frequency([.. choices]).Array[0, maxOps];
    }
}
