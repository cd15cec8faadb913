using System;
using System.IO;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.AsyncIOTests;

/// <summary>As docs/legacy-main.md says: an <c>async void</c> failure goes to the handler and main's result comes out.</summary>
public class AsyncVoidInMainTests
{
#pragma warning disable VSTHRD100 // async void on purpose: that is what the doc is about.
    private static async void FireAndForget()
    {
        await Task.Yield();
        throw new InvalidOperationException("async void failed");
    }
#pragma warning restore VSTHRD100

    [Fact]
    public void Run_AsyncVoidThrows_GoesToTheDefaultHandlerAndMainsResultComesOut() => Guard.Run(() =>
    {
        var log = new StringWriter();

        int code = AsyncIO.Run(
            () =>
            {
                FireAndForget();
                return Task.FromResult(0);
            },
            new LoopOptions { Log = log });

        code.ShouldBe(0);
        log.ToString().ShouldContain("async void failed");
    });

    [Fact]
    public void Run_HandlerThatRecordsTheFailure_LetsMainReturnNonZero() => Guard.Run(() =>
    {
        var log = new StringWriter();
        bool failed = false;

        int code = AsyncIO.Run(
            async () =>
            {
                AsyncIO.GetRunningLoop().SetExceptionHandler((loop, context) =>
                {
                    failed = true;
                    loop.DefaultExceptionHandler(context);
                });
                FireAndForget();
                await AsyncIO.Sleep(0.001);
                return 0;
            },
            new LoopOptions { Log = log });

        (failed ? 70 : code).ShouldBe(70);
        log.ToString().ShouldContain("async void failed");
    });
}
