using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.VirtualTime;

namespace Scheduler.Tests;

/// <summary><c>TaskGroup</c>, as asyncio's <c>TaskGroup</c>.</summary>
public class TaskGroupTests
{
    private static async Task FailAfter(double seconds, string message)
    {
        await AsyncIO.Sleep(Seconds(seconds));
        throw new InvalidOperationException(message);
    }

    [Fact]
    public void TaskGroup_CreateTask_ChildStartsLaterNotInline() => Guard.Run(() =>
    {
        var log = new List<string>();
        AsyncIO.Run(
            async () =>
            {
                await using (var group = new TaskGroup())
                {
                    Task child = group.CreateTask(() =>
                    {
                        log.Add("child");
                        return Task.CompletedTask;
                    });
                    log.Add("created");
                    child.IsCompleted.ShouldBeFalse();
                }

                log.Add("disposed");
            },
            Options());

        log.ShouldBe(["created", "child", "disposed"]);
    });

    [Fact]
    public void TaskGroup_Dispose_WaitsForEveryChild() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int> a;
                Task b;
                await using (var group = new TaskGroup())
                {
                    a = group.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(Seconds(1));
                        return 1;
                    });
                    b = group.CreateTask(async token => await AsyncIO.Sleep(Seconds(3), token));
                }

                (Now - start).ShouldBe(Seconds(3));
                a.Result.ShouldBe(1);
                b.Status.ShouldBe(TaskStatus.RanToCompletion);
            },
            Options());
    });

    [Fact]
    public void TaskGroup_FirstFailure_CancelsSiblingsAndTheBodysPendingAwait() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                bool siblingCancelled = false;
                bool bodyCancelled = false;
                Task? sibling = null;

                AggregateException error = await ShouldThrowOnLoopAsync<AggregateException>(async () =>
                {
                    await using var group = new TaskGroup();
                    _ = group.CreateTask(() => FailAfter(1, "boom"));
                    sibling = group.CreateTask(async () =>
                    {
                        try
                        {
                            await AsyncIO.Sleep(Seconds(10));
                        }
                        catch (OperationCanceledException)
                        {
                            siblingCancelled = true;
                            throw;
                        }
                    });

                    try
                    {
                        await AsyncIO.Sleep(Seconds(10));
                    }
                    catch (OperationCanceledException)
                    {
                        bodyCancelled = true;
                        throw;
                    }
                });

                error.InnerExceptions.Count.ShouldBe(1);
                error.InnerExceptions[0].ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("boom");
                siblingCancelled.ShouldBeTrue();
                bodyCancelled.ShouldBeTrue();
                sibling!.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_SingleFailure_IsStillAnAggregateException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                AggregateException error = await ShouldThrowOnLoopAsync<AggregateException>(async () =>
                {
                    await using var group = new TaskGroup();
                    _ = group.CreateTask(() => FailAfter(1, "only"));
                });

                error.InnerExceptions.Select(e => e.Message).ShouldBe(["only"]);
            },
            Options());
    });

    [Fact]
    public void TaskGroup_SeveralFailures_AllInOneAggregateException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                AggregateException error = await ShouldThrowOnLoopAsync<AggregateException>(async () =>
                {
                    await using var group = new TaskGroup();
                    _ = group.CreateTask(() => throw new InvalidOperationException("first"));
                    _ = group.CreateTask(() => throw new ArgumentException("second"));

                    // A sibling whose cleanup fails after the group cancelled it: that failure counts too.
                    _ = group.CreateTask(async () =>
                    {
                        try
                        {
                            await AsyncIO.Sleep(Seconds(10));
                        }
                        catch (OperationCanceledException)
                        {
                            throw new FormatException("third");
                        }
                    });
                });

                error.InnerExceptions.Select(e => e.Message).ShouldBe(["first", "second", "third"], ignoreOrder: true);
            },
            Options());
    });

    [Fact]
    public void TaskGroup_ChildCancelledOnItsOwn_IsNoFailure() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task cancelled;
                Task<int> other;
                await using (var group = new TaskGroup())
                {
                    cancelled = group.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask());
                    other = group.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(Seconds(2));
                        return 2;
                    });
                    await AsyncIO.Sleep(Seconds(1));
                    cancelled.Cancel().ShouldBeTrue();
                }

                cancelled.IsCanceled.ShouldBeTrue();
                other.Result.ShouldBe(2);
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_ChildSwallowsCancellation_GroupStillFinishes() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<string>? stubborn = null;

                AggregateException error = await ShouldThrowOnLoopAsync<AggregateException>(async () =>
                {
                    await using var group = new TaskGroup();
                    stubborn = group.CreateTask(async () =>
                    {
                        try
                        {
                            await AsyncIO.Sleep(Seconds(10));
                            return "slept";
                        }
                        catch (OperationCanceledException)
                        {
                            await AsyncIO.Sleep(Seconds(1));
                            return "swallowed";
                        }
                    });
                    _ = group.CreateTask(() => FailAfter(1, "boom"));
                });

                error.InnerExceptions.Select(e => e.Message).ShouldBe(["boom"]);
                stubborn!.Result.ShouldBe("swallowed");
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_NestedInAChild_InnerFailureFailsTheOuterGroup() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task? innerSibling = null;
                Task? outerSibling = null;

                AggregateException error = await ShouldThrowOnLoopAsync<AggregateException>(async () =>
                {
                    await using var outer = new TaskGroup();
                    outerSibling = outer.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask());
                    _ = outer.CreateTask(async () =>
                    {
                        await using var inner = new TaskGroup();
                        innerSibling = inner.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask());
                        _ = inner.CreateTask(() => FailAfter(1, "deep"));
                    });
                });

                error.InnerExceptions.Count.ShouldBe(1);
                AggregateException innerError = error.InnerExceptions[0].ShouldBeOfType<AggregateException>();
                innerError.InnerExceptions.Select(e => e.Message).ShouldBe(["deep"]);
                innerSibling!.IsCanceled.ShouldBeTrue();
                outerSibling!.IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_NestedInTheSameBody_InnerFailureComesOutAsAggregateException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Exception error = await ShouldThrowOnLoopAsync<Exception>(async () =>
                {
                    await using var outer = new TaskGroup();
                    _ = outer.CreateTask(() => AsyncIO.Sleep(Seconds(5)).AsTask());
                    await using var inner = new TaskGroup();
                    _ = inner.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask());
                    _ = inner.CreateTask(() => FailAfter(1, "deep"));
                });

                // Nobody cancelled the owner from outside: the inner group's failure must not turn into a cancellation.
                AggregateException aggregate = error.ShouldBeOfType<AggregateException>();
                aggregate.Flatten().InnerExceptions.Select(e => e.Message).ShouldBe(["deep"]);
            },
            Options());
    });

    [Fact]
    public void TaskGroup_OwnerCancelledFromOutsideWhileBodyAwaits_CancelsChildrenAndThrowsOperationCanceled() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                var children = new List<Task>();
                Task owner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await using var group = new TaskGroup();
                    children.Add(group.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask()));
                    children.Add(group.CreateTask(() => AsyncIO.Sleep(Seconds(20)).AsTask()));
                    await AsyncIO.Sleep(Seconds(30));
                });
                await AsyncIO.Sleep(Seconds(1));

                owner.Cancel().ShouldBeTrue();
                await owner.ShouldBeCancelledAsync();

                owner.IsCanceled.ShouldBeTrue();
                children.Count.ShouldBe(2);
                children.ShouldAllBe(c => c.IsCanceled);
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_OwnerCancelledFromOutsideWhileDisposing_CancelsChildrenAndThrowsOperationCanceled() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                var children = new List<Task>();
                Task owner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    await using var group = new TaskGroup();
                    children.Add(group.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask()));
                });
                await AsyncIO.Sleep(Seconds(1));

                owner.Cancel().ShouldBeTrue();
                await owner.ShouldBeCancelledAsync();

                children.Single().IsCanceled.ShouldBeTrue();
                (Now - start).ShouldBe(Seconds(1));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_AfterCatchingItsAggregateException_OwnerCanGoOnAwaiting() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<string> owner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await using var group = new TaskGroup();
                        _ = group.CreateTask(() => FailAfter(1, "boom"));
                        await AsyncIO.Sleep(Seconds(10));
                    }
                    catch (AggregateException)
                    {
                    }

                    // The group consumed the cancellation it delivered: these awaits are not interrupted.
                    await AsyncIO.Sleep(Seconds(2));
                    await AsyncIO.Gather(AsyncIO.GetRunningLoop().CreateTask(() => AsyncIO.Sleep(Seconds(1)).AsTask()));
                    return "went on";
                });

                (await owner).ShouldBe("went on");
                owner.Status.ShouldBe(TaskStatus.RanToCompletion);
                (Now - start).ShouldBe(Seconds(4));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_AfterCatchingItsAggregateExceptionRaisedInDisposal_OwnerCanGoOnAwaiting() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<string> owner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await using var group = new TaskGroup();
                        _ = group.CreateTask(() => FailAfter(1, "boom"));
                        _ = group.CreateTask(() => AsyncIO.Sleep(Seconds(10)).AsTask());
                    }
                    catch (AggregateException)
                    {
                    }

                    await AsyncIO.Sleep(Seconds(2));
                    return "went on";
                });

                (await owner).ShouldBe("went on");
                (Now - start).ShouldBe(Seconds(3));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_CreateTaskOnFinishedGroup_Throws() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                var group = new TaskGroup();
                _ = group.CreateTask(() => AsyncIO.Sleep(Seconds(1)).AsTask());
                await group.DisposeAsync();

                Should.Throw<InvalidOperationException>(() => group.CreateTask(() => Task.CompletedTask));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_CreateTaskOnFinishedEmptyGroup_Throws() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                var group = new TaskGroup();
                await group.DisposeAsync();

                Should.Throw<InvalidOperationException>(() => group.CreateTask(() => Task.FromResult(1)));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_NameGiven_IsTheChildsName() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                await using var group = new TaskGroup();
                group.CreateTask(() => Task.CompletedTask, "child-1").GetName().ShouldBe("child-1");
            },
            Options());
    });

    [Fact]
    public void TaskGroup_BodyThrows_ChildrenRunToCompletionThenTheExceptionPropagates() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                TimeSpan start = Now;
                Task<int>? child = null;

                // Documented difference from asyncio: DisposeAsync cannot see the body's exception.
                InvalidOperationException error = await ShouldThrowOnLoopAsync<InvalidOperationException>(async () =>
                {
                    await using var group = new TaskGroup();
                    child = group.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(Seconds(2));
                        return 2;
                    });
                    await AsyncIO.Sleep(Seconds(1));
                    throw new InvalidOperationException("body");
                });

                error.Message.ShouldBe("body");
                child!.Result.ShouldBe(2);
                (Now - start).ShouldBe(Seconds(2));
            },
            Options());
    });

    [Fact]
    public void TaskGroup_OwnerCancelledFromOutsideAndAChildFailsInCleanup_ThrowsAggregateException() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Exception? seen = null;
                Task owner = AsyncIO.GetRunningLoop().CreateTask(async () =>
                {
                    try
                    {
                        await using var group = new TaskGroup();
                        _ = group.CreateTask(async () =>
                        {
                            try
                            {
                                await AsyncIO.Sleep(Seconds(10));
                            }
                            catch (OperationCanceledException)
                            {
                                throw new InvalidOperationException("cleanup failed");
                            }
                        });
                        await AsyncIO.Sleep(Seconds(10));
                    }
                    catch (Exception exception)
                    {
                        seen = exception;
                        throw;
                    }
                });
                await AsyncIO.Sleep(Seconds(1));

                owner.Cancel();
                await ShouldThrowOnLoopAsync<AggregateException>(owner);

                seen.ShouldBeOfType<AggregateException>().InnerExceptions.Select(e => e.Message).ShouldBe(["cleanup failed"]);
            },
            Options());
    });

    [Fact]
    public void TaskGroup_CurrentTaskInsideAChild_IsTheChild() => Guard.Run(() =>
    {
        AsyncIO.Run(
            async () =>
            {
                Task? seen = null;
                Task child;
                await using (var group = new TaskGroup())
                {
                    child = group.CreateTask(async () =>
                    {
                        await AsyncIO.Sleep(Seconds(1));
                        seen = AsyncIO.CurrentTask();
                    });
                }

                seen.ShouldBeSameAs(child);
            },
            Options());
    });
}
