using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Hosting;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Hosting;

/// <summary>
/// Runs the host tests on their own, after the parallel ones: a host starts several threads of its own, and the
/// suite's timing-sensitive tests (stall watchdog, allocation counts) should not share the two cores with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostingCollection
{
    public const string Name = "Hosting";
}

/// <summary>Scheduler.Hosting in a real <see cref="IHost"/>, built, started and stopped in the test.</summary>
[Collection(HostingCollection.Name)]
public class LoopHostingTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void LoopBackgroundService_InAHost_ExecutesOnTheLoopThreadAndTheLoopIsDisposedAtShutdown() => Guard.Run(() =>
    {
        // Arrange
        var recorder = new Recorder();
        IHost host = BuildHost(services => services.AddSingleton(recorder).AddHostedService<RecordingService>());
        LoopThread thread = host.Services.GetRequiredService<LoopThread>();

        // Act
        host.StartAsync().GetAwaiter().GetResult();
        recorder.Started.Task.Wait(s_wait).ShouldBeTrue("ExecuteAsync did not start");
        host.StopAsync().GetAwaiter().GetResult();
        bool closedAfterStop = thread.Loop.IsClosed;
        host.Dispose();

        // Assert
        recorder.ExecuteThread.ShouldBe(thread.ManagedThreadId);
        recorder.AfterAwaitThread.ShouldBe(thread.ManagedThreadId);
        recorder.RunningLoop.ShouldBeSameAs(thread.Loop);
        recorder.CurrentTaskName.ShouldBe(nameof(RecordingService));
        recorder.StoppingCallbackThread.ShouldBe(thread.ManagedThreadId);
        recorder.StoppedCleanly.ShouldBeTrue();
        closedAfterStop.ShouldBeFalse("the loop outlives the services that use it until the container is disposed");
        thread.Loop.IsClosed.ShouldBeTrue();
        thread.Loop.IsRunning.ShouldBeFalse();
    });

    [Fact]
    public void AddLoopThread_Named_ResolvesTheSameThreadKeyedAndPlainAndNamesItsThread() => Guard.Run(() =>
    {
        using IHost host = BuildHost(services => services.AddLoopThread("second"));

        LoopThread plain = host.Services.GetRequiredService<LoopThread>();
        LoopThread first = host.Services.GetRequiredKeyedService<LoopThread>("worker");
        LoopThread second = host.Services.GetRequiredKeyedService<LoopThread>("second");
        string threadName = first.Factory.StartNew(() => Thread.CurrentThread.Name!).GetAwaiter().GetResult();

        plain.ShouldBeSameAs(first);
        second.ShouldNotBeSameAs(first);
        first.Loop.Name.ShouldBe("worker");
        threadName.ShouldBe("worker");
    });

    [Fact]
    public void LoopThread_CallbackThrows_IsLoggedAsAnErrorAndTheLoopKeepsRunning() => Guard.Run(() =>
    {
        // Arrange
        var logs = new LogCollector();
        using IHost host = BuildHost(services => { }, logs);
        LoopThread thread = host.Services.GetRequiredService<LoopThread>();

        // Act
        thread.Loop.CallSoonThreadSafe(() => throw new InvalidOperationException("boom"));
        int afterwards = thread.Factory.StartNew(() => 42).GetAwaiter().GetResult();

        // Assert
        LogEntry entry = logs.Loop.ShouldHaveSingleItem();
        entry.Level.ShouldBe(LogLevel.Error);
        entry.Message.ShouldStartWith("Event loop worker: ");
        entry.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("boom");
        afterwards.ShouldBe(42);
    });

    [Fact]
    public void LogExceptionsOff_LoopKeepsTheDefaultHandler() => Guard.Run(() =>
    {
        using IHost host = BuildHost(services => { }, new LogCollector(), options => options.LogExceptions = false);
        LoopThread thread = host.Services.GetRequiredService<LoopThread>();

        var handler = thread.Factory.StartNew(() => thread.Loop.GetExceptionHandler()).GetAwaiter().GetResult();

        handler.ShouldBeNull();
    });

    [Fact]
    public void ExecuteAsync_Fails_IsLoggedTheTaskFaultsAndTheHostStopsCleanly() => Guard.Run(() =>
    {
        // Arrange
        var logs = new LogCollector();
        IHost host = BuildHost(services => services.AddHostedService<FailingService>(), logs);
        var service = (FailingService)host.Services.GetServices<IHostedService>().Single(s => s is FailingService);

        // Act
        host.StartAsync().GetAwaiter().GetResult();
        ((IAsyncResult)service.ExecuteTask!).AsyncWaitHandle.WaitOne(s_wait).ShouldBeTrue("ExecuteAsync did not end");
        host.StopAsync().GetAwaiter().GetResult();
        host.Dispose();

        // Assert
        service.ExecuteTask!.IsFaulted.ShouldBeTrue();
        LogEntry entry = logs.Loop.ShouldHaveSingleItem();
        entry.Message.ShouldContain("FailingService.ExecuteAsync failed");
        entry.Message.ShouldContain("(task FailingService)");
        entry.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("worker failed");
    });

    [Fact]
    public void UseLogger_OnALoopRunByAsyncIORun_LogsCallbackExceptions() => Guard.Run(() =>
    {
        var logs = new LogCollector();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(logs));

        AsyncIO.Run(async () =>
        {
            LoopTaskScheduler loop = AsyncIO.GetRunningLoop().UseLogger(factory.CreateLogger("test"));
            loop.CallSoon(() => throw new InvalidOperationException("from a callback"));
            await AsyncIO.Sleep(0);
            await AsyncIO.Sleep(0);
        });

        LogEntry entry = logs.Entries.ShouldHaveSingleItem();
        entry.Category.ShouldBe("test");
        entry.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("from a callback");
    });

    [Fact]
    public void AddLoopThread_EmptyName_Throws()
    {
        var services = new ServiceCollection();

        Should.Throw<ArgumentException>(() => services.AddLoopThread(""));
        Should.Throw<ArgumentNullException>(() => services.AddLoopThread(null!));
    }

    private static IHost BuildHost(Action<IServiceCollection> configure, LogCollector? logs = null, Action<LoopThreadOptions>? options = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_wait);
        builder.Services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        builder.Services.AddLoopThread("worker", options);
        configure(builder.Services);
        return builder.Build();
    }

    public sealed class Recorder
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ExecuteThread { get; set; }

        public int AfterAwaitThread { get; set; }

        public LoopTaskScheduler? RunningLoop { get; set; }

        public string? CurrentTaskName { get; set; }

        public int StoppingCallbackThread { get; set; }

        public bool StoppedCleanly { get; set; }
    }

    public sealed class RecordingService(LoopThread loop, Recorder recorder) : LoopBackgroundService(loop)
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            recorder.ExecuteThread = Environment.CurrentManagedThreadId;
            recorder.RunningLoop = AsyncIO.GetRunningLoop();
            recorder.CurrentTaskName = AsyncIO.CurrentTask()?.GetName();
            stoppingToken.Register(() => recorder.StoppingCallbackThread = Environment.CurrentManagedThreadId);
            await Task.Yield();
            recorder.AfterAwaitThread = Environment.CurrentManagedThreadId;
            recorder.Started.SetResult();
            try
            {
                await AsyncIO.Sleep(TimeSpan.FromHours(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                recorder.StoppedCleanly = Environment.CurrentManagedThreadId == recorder.ExecuteThread;
                throw;
            }
        }
    }

    public sealed class FailingService(LoopThread loop) : LoopBackgroundService(loop)
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await AsyncIO.Sleep(0, stoppingToken);
            throw new InvalidOperationException("worker failed");
        }
    }

    public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);

    /// <summary>An <see cref="ILoggerProvider"/> that keeps every entry, for asserts.</summary>
    public sealed class LogCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        /// <summary>The entries of the loop threads' logger (the host logs its own lifetime too).</summary>
        public IReadOnlyList<LogEntry> Loop => [.. _entries.Where(e => e.Category == "Scheduler.LoopThread")];

        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
