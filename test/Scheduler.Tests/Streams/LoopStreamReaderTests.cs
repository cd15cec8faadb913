using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using static Scheduler.Tests.Ascii;

namespace Scheduler.Tests;

public class LoopStreamReaderTests
{
    /// <summary>Runs <paramref name="body"/> as a loop task reading from a new reader, until the loop is idle.</summary>
    private static Task<T> Reading<T>(TestLoop test, LoopStreamReader reader, Func<LoopStreamReader, Task<T>> body)
    {
        Task<T> task = test.Loop.CreateTask(() => body(reader));
        test.RunUntilIdle();
        return task;
    }

    [Fact]
    public void ReadLineAsync_ReturnsEachLineWithItsNewLine_ThenTheRest_ThenEmpty() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        test.OnLoop(() =>
        {
            reader.FeedData(Bytes("one\ntw"));
            reader.FeedData(Bytes("o\nrest"));
            reader.FeedEof();
        });

        Task<List<string>> lines = Reading(test, reader, async r =>
        {
            var read = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                read.Add(Text(await r.ReadLineAsync()));
            }

            return read;
        });

        lines.Result.ShouldBe(["one\n", "two\n", "rest", string.Empty]);
        reader.AtEof.ShouldBeTrue();
    });

    [Fact]
    public void ReadLineAsync_WaitsForTheRestOfALine() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> line = Reading(test, reader, r => r.ReadLineAsync().AsTask());

        test.OnLoop(() => reader.FeedData(Bytes("hel")));
        line.IsCompleted.ShouldBeFalse();

        test.OnLoop(() => reader.FeedData(Bytes("lo\nnext")));
        Text(line.Result).ShouldBe("hello\n");
        reader.BufferedCount.ShouldBe(4);
    });

    [Fact]
    public void AwaitForeach_YieldsTheLinesUntilTheEnd() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<List<string>> lines = Reading(test, reader, async r =>
        {
            var read = new List<string>();
            await foreach (byte[] line in r)
            {
                read.Add(Text(line));
            }

            return read;
        });

        test.OnLoop(() => reader.FeedData(Bytes("a\nb")));
        test.OnLoop(() => reader.FeedData(Bytes("\nc")));
        test.OnLoop(reader.FeedEof);

        lines.Result.ShouldBe(["a\n", "b\n", "c"]);
    });

    [Fact]
    public void ReadAsync_ReturnsWhatIsBuffered_UpToN_WithoutWaitingForMore() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        test.OnLoop(() => reader.FeedData(Bytes("abcdef")));

        Task<(string, string)> reads = Reading(test, reader, async r => (Text(await r.ReadAsync(4)), Text(await r.ReadAsync(100))));

        reads.Result.ShouldBe(("abcd", "ef"));
    });

    [Fact]
    public void ReadAsync_NegativeCount_ReadsUntilTheEnd() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> all = Reading(test, reader, r => r.ReadAsync().AsTask());

        test.OnLoop(() => reader.FeedData(Bytes("ab")));
        test.OnLoop(() => reader.FeedData(Bytes("cd")));
        all.IsCompleted.ShouldBeFalse();

        test.OnLoop(reader.FeedEof);
        Text(all.Result).ShouldBe("abcd");
    });

    [Fact]
    public void ReadAsync_IntoMemory_CopiesWhatIsBuffered_AndZeroAtTheEnd() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        var buffer = new byte[3];
        Task<(int, string, int)> reads = Reading(test, reader, async r =>
        {
            int first = await r.ReadAsync(buffer.AsMemory());
            string text = Encoding.ASCII.GetString(buffer, 0, first);
            int atEnd = await r.ReadAsync(buffer.AsMemory());
            return (first, text, atEnd);
        });

        test.OnLoop(() => reader.FeedData(Bytes("xy")));
        test.OnLoop(reader.FeedEof);

        reads.Result.ShouldBe((2, "xy", 0));
    });

    [Fact]
    public void ReadExactlyAsync_WaitsAcrossFeeds_AndLeavesTheRest() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> exactly = Reading(test, reader, r => r.ReadExactlyAsync(5).AsTask());

        test.OnLoop(() => reader.FeedData(Bytes("abc")));
        exactly.IsCompleted.ShouldBeFalse();

        test.OnLoop(() => reader.FeedData(Bytes("defg")));
        Text(exactly.Result).ShouldBe("abcde");
        reader.BufferedCount.ShouldBe(2);
    });

    [Fact]
    public void ReadExactlyAsync_EndBeforeTheCount_ThrowsIncompleteRead_WithThePartialBytes() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> exactly = Reading(test, reader, r => r.ReadExactlyAsync(5).AsTask());

        test.OnLoop(() => reader.FeedData(Bytes("ab")));
        test.OnLoop(reader.FeedEof);

        var incomplete = Should.Throw<IncompleteReadException>(() => exactly.GetAwaiter().GetResult());
        Text(incomplete.Partial).ShouldBe("ab");
        incomplete.Expected.ShouldBe(5);
        incomplete.ShouldBeAssignableTo<System.IO.EndOfStreamException>();
        reader.AtEof.ShouldBeTrue();
    });

    [Fact]
    public void ReadUntilAsync_FindsASeparatorSplitAcrossFeeds() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> until = Reading(test, reader, r => r.ReadUntilAsync(Bytes("\r\n\r\n")).AsTask());

        test.OnLoop(() => reader.FeedData(Bytes("GET / HTTP/1.1\r\n\r")));
        until.IsCompleted.ShouldBeFalse();

        test.OnLoop(() => reader.FeedData(Bytes("\nbody")));
        Text(until.Result).ShouldBe("GET / HTTP/1.1\r\n\r\n");
        reader.BufferedCount.ShouldBe(4);
    });

    [Fact]
    public void ReadUntilAsync_EndFirst_ThrowsIncompleteRead_WithoutAnExpectedCount() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        test.OnLoop(() =>
        {
            reader.FeedData(Bytes("no separator"));
            reader.FeedEof();
        });

        Task<byte[]> until = Reading(test, reader, r => r.ReadUntilAsync(Bytes(";")).AsTask());

        var incomplete = Should.Throw<IncompleteReadException>(() => until.GetAwaiter().GetResult());
        Text(incomplete.Partial).ShouldBe("no separator");
        incomplete.Expected.ShouldBeNull();
    });

    [Fact]
    public void ReadUntilAsync_PastTheLimit_ThrowsLimitOverrun_AndKeepsTheData() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop, limit: 4);
        test.OnLoop(() => reader.FeedData(Bytes("abcdef")));

        Task<byte[]> until = Reading(test, reader, r => r.ReadUntilAsync(Bytes(";")).AsTask());

        var overrun = Should.Throw<LimitOverrunException>(() => until.GetAwaiter().GetResult());
        overrun.Consumed.ShouldBe(6);
        overrun.Message.ShouldBe("Separator is not found, and chunk exceed the limit");
        reader.BufferedCount.ShouldBe(6);
    });

    [Fact]
    public void ReadUntilAsync_SeparatorAfterTheLimit_ThrowsLimitOverrun_AtTheSeparator() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop, limit: 4);
        test.OnLoop(() => reader.FeedData(Bytes("abcdef;")));

        Task<byte[]> until = Reading(test, reader, r => r.ReadUntilAsync(Bytes(";")).AsTask());

        var overrun = Should.Throw<LimitOverrunException>(() => until.GetAwaiter().GetResult());
        overrun.Consumed.ShouldBe(6);
        overrun.Message.ShouldBe("Separator is found, but chunk is longer than limit");
    });

    [Fact]
    public void ReadUntilAsync_EmptySeparator_IsRefused() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        test.OnLoop(() => Should.Throw<ArgumentException>(() => reader.ReadUntilAsync(ReadOnlyMemory<byte>.Empty).AsTask()));
    });

    [Fact]
    public void ReadLineAsync_LongerThanTheLimit_DiscardsTheLine_AndTheNextLineReads() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop, limit: 4);
        test.OnLoop(() => reader.FeedData(Bytes("toolong\nok\n")));

        Task<(LimitOverrunException?, string)> reads = Reading(test, reader, async r =>
        {
            LimitOverrunException? overrun = null;
            try
            {
                await r.ReadLineAsync();
            }
            catch (LimitOverrunException exception)
            {
                overrun = exception;
            }

            return (overrun, Text(await r.ReadLineAsync()));
        });

        reads.Result.Item1.ShouldNotBeNull().Consumed.ShouldBe(7);
        reads.Result.Item2.ShouldBe("ok\n");
    });

    [Fact]
    public void Cancel_ATaskBlockedInARead_EndsTheRead_AndNoBytesAreLost() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> blocked = Reading(test, reader, r => r.ReadExactlyAsync(4).AsTask());
        test.OnLoop(() => reader.FeedData(Bytes("ab")));

        test.OnLoop(() => blocked.Cancel().ShouldBeTrue());

        blocked.IsCanceled.ShouldBeTrue();
        reader.BufferedCount.ShouldBe(2);
        test.OnLoop(() => reader.FeedData(Bytes("cd")));
        Task<byte[]> later = Reading(test, reader, r => r.ReadExactlyAsync(4).AsTask());
        Text(later.Result).ShouldBe("abcd");
    });

    [Fact]
    public void ReadAsync_TokenCancelled_EndsTheWait_AndALaterReadGetsTheData() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        using var cancellation = new CancellationTokenSource();
        var buffer = new byte[8];
        Task<int> blocked = Reading(test, reader, r => r.ReadAsync(buffer.AsMemory(), cancellation.Token).AsTask());

        cancellation.Cancel();
        test.RunUntilIdle();

        blocked.IsCanceled.ShouldBeTrue();
        test.OnLoop(() => reader.FeedData(Bytes("data")));
        Task<byte[]> later = Reading(test, reader, r => r.ReadAsync(100).AsTask());
        Text(later.Result).ShouldBe("data");
    });

    [Fact]
    public void Cancel_AfterTheBytesArrivedButBeforeTheReadResumed_PutsThemBack() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        var buffer = new byte[8];
        Task<int> blocked = Reading(test, reader, async r => await r.ReadAsync(buffer.AsMemory()));

        test.OnLoop(() =>
        {
            reader.FeedData(Bytes("abc"));
            blocked.Cancel().ShouldBeTrue();
        });

        blocked.IsCanceled.ShouldBeTrue();
        reader.BufferedCount.ShouldBe(3);
        test.OnLoop(() => reader.FeedData(Bytes("de")));
        Task<byte[]> later = Reading(test, reader, r => r.ReadAsync(100).AsTask());
        Text(later.Result).ShouldBe("abcde");
    });

    [Fact]
    public void TwoReadersWaitingAtOnce_TheSecondIsRefused() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> first = Reading(test, reader, r => r.ReadLineAsync().AsTask());

        Task<byte[]> second = Reading(test, reader, r => r.ReadLineAsync().AsTask());

        Should.Throw<InvalidOperationException>(() => second.GetAwaiter().GetResult()).Message.ShouldContain("one task at a time");
        test.OnLoop(() => reader.FeedData(Bytes("line\n")));
        Text(first.Result).ShouldBe("line\n");
    });

    [Fact]
    public void SetException_FailsTheWaitingRead_AndEveryLaterOne() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Task<byte[]> waiting = Reading(test, reader, r => r.ReadAsync().AsTask());
        var reset = new System.IO.IOException("connection reset");

        test.OnLoop(() => reader.SetException(reset));

        Should.Throw<System.IO.IOException>(() => waiting.GetAwaiter().GetResult()).ShouldBeSameAs(reset);
        reader.Exception.ShouldBeSameAs(reset);
        Task<byte[]> later = Reading(test, reader, r => r.ReadLineAsync().AsTask());
        Should.Throw<System.IO.IOException>(() => later.GetAwaiter().GetResult()).ShouldBeSameAs(reset);
    });

    [Fact]
    public void FeedData_AfterTheEnd_IsRefused() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        test.OnLoop(() =>
        {
            reader.FeedEof();
            Should.Throw<InvalidOperationException>(() => reader.FeedData(Bytes("late"))).Message.ShouldContain("FeedEof");
        });
    });

    [Fact]
    public void Members_FromAnotherThreadWhileTheLoopRuns_ThrowTheAffinityError() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop);
        Exception? feed = null;
        Exception? read = null;
        test.OnLoop(() =>
        {
            feed = LoopTestHelpers.FromOtherThread(() => reader.FeedData(Bytes("x")));
            read = LoopTestHelpers.FromOtherThread(() => reader.ReadAsync(1).AsTask().GetAwaiter().GetResult());
        });

        feed.ShouldBeMisuseFromOtherThread();
        read.ShouldBeMisuseFromOtherThread();
        reader.BufferedCount.ShouldBe(0);
    });

    [Fact]
    public void Constructor_WithoutARunningLoop_NamesTheFix()
    {
        Should.Throw<InvalidOperationException>(() => new LoopStreamReader()).Message.ShouldContain("No event loop is running");
        Should.Throw<ArgumentOutOfRangeException>(() => new LoopStreamReader(new LoopTaskScheduler(), limit: 0));
    }

    [Fact]
    public void FlowControl_PausesTheTransportPastTwiceTheLimit_AndResumesAtTheLimit() => Guard.Run(() =>
    {
        using var test = new TestLoop();
        var reader = new LoopStreamReader(test.Loop, limit: 4);
        var transport = new RecordingTransport();
        reader.SetTransport(transport);

        test.OnLoop(() => reader.FeedData(Bytes("12345678")));
        transport.Calls.ShouldBeEmpty();
        test.OnLoop(() => reader.FeedData(Bytes("9")));
        transport.Calls.ShouldBe(["pause"]);

        Task<byte[]> first = Reading(test, reader, r => r.ReadAsync(4).AsTask());
        transport.Calls.ShouldBe(["pause"]);
        Task<byte[]> second = Reading(test, reader, r => r.ReadAsync(1).AsTask());

        Text(first.Result).ShouldBe("1234");
        Text(second.Result).ShouldBe("5");
        transport.Calls.ShouldBe(["pause", "resume"]);
    });

    [Fact]
    public void ReadAsync_IntoMemory_WaitingForEachFeed_AllocatesNothing() => Guard.Run(() => Allocations.ZeroInOneOf(3, () =>
    {
        const int Rounds = 200;
        Action<object?> feed = static state => ((LoopStreamReader)state!).FeedData("ping"u8);
        return AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
            var reader = new LoopStreamReader(loop);
            var buffer = new byte[16];
            long before = 0;
            for (int i = 0; i < 2 * Rounds; i++)
            {
                if (i == Rounds)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }

                loop.CallSoon(feed, reader);
                if (await reader.ReadAsync(buffer.AsMemory()) != 4)
                {
                    throw new InvalidOperationException("each read gets the 4 bytes fed");
                }
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
    }));

    private sealed class RecordingTransport : IReadTransport
    {
        public List<string> Calls { get; } = [];

        public void PauseReading() => Calls.Add("pause");

        public void ResumeReading() => Calls.Add("resume");
    }
}
