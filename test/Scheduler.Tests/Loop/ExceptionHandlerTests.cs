using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

public class ExceptionHandlerTests
{
    [Fact]
    public void CallSoon_CallbackThrows_HandlerGetsTheExceptionAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        int loopThread = Environment.CurrentManagedThreadId;
        var contexts = new List<LoopExceptionContext>();
        var handlerLoops = new List<LoopTaskScheduler>();
        int handlerThread = 0;
        loop.SetExceptionHandler((l, context) =>
        {
            handlerLoops.Add(l);
            contexts.Add(context);
            handlerThread = Environment.CurrentManagedThreadId;
        });
        var failure = new FormatException("boom");
        var ran = new List<string>();
        loop.CallSoon(() => throw failure);
        loop.CallSoon(() =>
        {
            ran.Add("same iteration");
            loop.CallSoon(() =>
            {
                ran.Add("next iteration");
                loop.Stop();
            });
        });

        loop.RunForever();

        ran.ShouldBe(["same iteration", "next iteration"]);
        contexts.Count.ShouldBe(1);
        contexts[0].Exception.ShouldBeSameAs(failure);
        contexts[0].Message.ShouldNotBeNullOrWhiteSpace();
        contexts[0].Handle.ShouldNotBeNull();
        handlerLoops.ShouldBe([loop]);
        handlerThread.ShouldBe(loopThread);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void CallSoon_CallbackThrows_ContextMessageNamesTheCallback() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopExceptionContext? seen = null;
        test.Loop.SetExceptionHandler((_, context) => seen = context);
        test.Loop.CallSoon(ThrowingCallback);

        test.RunUntilIdle();

        seen.ShouldNotBeNull().Message.ShouldContain(nameof(ThrowingCallback));
    });

    [Fact]
    public void CallLater_CallbackThrows_HandlerGetsTheExceptionAndLaterTimersRun() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var contexts = new List<LoopExceptionContext>();
        test.Loop.SetExceptionHandler((_, context) => contexts.Add(context));
        var failure = new InvalidTimeZoneException("timer boom");
        bool laterRan = false;
        test.Loop.CallLater(TimeSpan.FromSeconds(1), () => throw failure);
        test.Loop.CallLater(TimeSpan.FromSeconds(2), () => laterRan = true);

        test.Advance(TimeSpan.FromSeconds(2));

        contexts.Count.ShouldBe(1);
        contexts[0].Exception.ShouldBeSameAs(failure);
        laterRan.ShouldBeTrue();
    });

    [Fact]
    public void CallSoonThreadSafe_CallbackThrows_HandlerGetsTheException() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var contexts = new List<LoopExceptionContext>();
        test.Loop.SetExceptionHandler((_, context) => contexts.Add(context));
        var failure = new FormatException("posted boom");
        OtherThread.Run(() => test.Loop.CallSoonThreadSafe(() => throw failure));

        test.RunUntilIdle();

        contexts.Count.ShouldBe(1);
        contexts[0].Exception.ShouldBeSameAs(failure);
    });

    [Fact]
    public void CallSoon_CallbackThrowsWithDefaultHandler_LogsMessageAndExceptionAndKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        bool laterRan = false;
        test.Loop.CallSoon(() => throw new FormatException("default boom"));
        test.Loop.CallSoon(() => laterRan = true);

        test.RunUntilIdle();

        laterRan.ShouldBeTrue();
        string log = test.Log.ToString();
        log.ShouldContain("Exception in callback");
        log.ShouldContain(nameof(FormatException));
        log.ShouldContain("default boom");
    });

    [Fact]
    public void SetExceptionHandler_Null_RestoresTheDefaultHandler() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int customCalls = 0;
        test.Loop.SetExceptionHandler((_, _) => customCalls++);
        test.Loop.GetExceptionHandler().ShouldNotBeNull();

        test.Loop.SetExceptionHandler(null);
        test.Loop.CallSoon(() => throw new FormatException("after restore"));
        test.RunUntilIdle();

        test.Loop.GetExceptionHandler().ShouldBeNull();
        customCalls.ShouldBe(0);
        test.Log.ToString().ShouldContain("after restore");
    });

    [Fact]
    public void DefaultExceptionHandler_WritesMessageAndExceptionToLog() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var context = new LoopExceptionContext("something went wrong")
        {
            Exception = new FormatException("the detail"),
        };

        test.Loop.DefaultExceptionHandler(context);

        string log = test.Log.ToString();
        log.ShouldContain("something went wrong");
        log.ShouldContain(nameof(FormatException));
        log.ShouldContain("the detail");
    });

    [Fact]
    public void DefaultExceptionHandler_CalledDirectly_WritesEvenWithACustomHandlerSet() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        int customCalls = 0;
        test.Loop.SetExceptionHandler((_, _) => customCalls++);

        test.Loop.DefaultExceptionHandler(new LoopExceptionContext("straight to the log"));

        customCalls.ShouldBe(0);
        test.Log.ToString().ShouldContain("straight to the log");
    });

    [Fact]
    public void DefaultExceptionHandler_WithoutLogOption_WritesToConsoleError() => Guard.Run(() =>
    {
        // LoopOptions.Log defaults to Console.Error, read when the loop is created.
        TextWriter original = Console.Error;
        var error = new StringWriter();
        LoopTaskScheduler loop;
        try
        {
            Console.SetError(error);
            loop = new LoopTaskScheduler();
        }
        finally
        {
            Console.SetError(original);
        }

        using (loop)
        {
            loop.DefaultExceptionHandler(new LoopExceptionContext("to standard error"));
        }

        error.ToString().ShouldContain("to standard error");
    });

    [Fact]
    public void CallExceptionHandler_WithCustomHandler_PassesTheLoopAndTheSameContext() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler? seenLoop = null;
        LoopExceptionContext? seenContext = null;
        test.Loop.SetExceptionHandler((loop, context) =>
        {
            seenLoop = loop;
            seenContext = context;
        });
        var context = new LoopExceptionContext("direct call") { Exception = new FormatException("x") };

        test.Loop.CallExceptionHandler(context);

        seenLoop.ShouldBeSameAs(test.Loop);
        seenContext.ShouldBeSameAs(context);
        test.Log.ToString().ShouldBeEmpty();
    });

    [Fact]
    public void CallExceptionHandler_WithoutCustomHandler_WritesToLog() => Guard.Run(() =>
    {
        using var test = new TestLoop();

        test.Loop.CallExceptionHandler(new LoopExceptionContext("direct to default") { Exception = new FormatException("inner detail") });

        string log = test.Log.ToString();
        log.ShouldContain("direct to default");
        log.ShouldContain("inner detail");
    });

    [Fact]
    public void CallExceptionHandler_CustomHandlerThrows_DefaultHandlerLogsItAndNothingReachesTheCaller() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        test.Loop.SetExceptionHandler((_, _) => throw new NotSupportedException("handler is broken"));

        Exception? thrown = Record.Exception(() => test.Loop.CallExceptionHandler(new LoopExceptionContext("original problem")));

        thrown.ShouldBeNull();
        string log = test.Log.ToString();
        log.ShouldContain("handler is broken");
        log.ShouldContain(nameof(NotSupportedException));
        log.ShouldContain("original problem");
    });

    [Fact]
    public void CallSoon_CallbackAndCustomHandlerBothThrow_DefaultHandlerLogsAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        LoopTaskScheduler loop = test.Loop;
        loop.SetExceptionHandler((_, _) => throw new NotSupportedException("handler is broken"));
        var ran = new List<string>();
        loop.CallSoon(() => throw new FormatException("callback boom"));
        loop.CallSoon(() => loop.CallSoon(() =>
        {
            ran.Add("next iteration");
            loop.Stop();
        }));

        loop.RunForever();

        ran.ShouldBe(["next iteration"]);
        string log = test.Log.ToString();
        log.ShouldContain("handler is broken");
        log.ShouldContain("Exception in callback");
    });

    [Fact]
    public void SetExceptionHandler_ReplacedWhileRunning_NextFailureGoesToTheNewHandler() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var calls = new List<string>();
        test.Loop.SetExceptionHandler((_, _) => calls.Add("first"));
        test.Loop.CallSoon(() =>
        {
            test.Loop.SetExceptionHandler((_, _) => calls.Add("second"));
            throw new FormatException();
        });

        test.RunUntilIdle();

        calls.ShouldBe(["second"]);
    });

    [Fact]
    public void RunUntilComplete_FailureOfTheAwaitedTask_DoesNotGoToTheHandler() => Guard.Run(() =>
    {
        // The task keeps its own exception (TPL rules) and the caller observes it: nothing to report.
        using var test = new TestLoop();
        int handlerCalls = 0;
        test.Loop.SetExceptionHandler((_, _) => handlerCalls++);

        Should.Throw<FormatException>(() => test.Loop.RunUntilComplete(async () =>
        {
            await Task.Yield();
            throw new FormatException();
        }));
        test.Loop.Close();

        handlerCalls.ShouldBe(0);
    });

    private static void ThrowingCallback() => throw new FormatException("from a named method");
}
