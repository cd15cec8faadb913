using System;
using System.Collections.Generic;
using System.Linq;

namespace Scheduler.Samples;

/// <summary>Runs the samples: all of them in order with no argument, or the one named.</summary>
internal static class Program
{
    private static readonly IReadOnlyList<(string Name, string Description, Action Run)> s_samples =
    [
        ("hello", "asyncio.run(main()) with asyncio.sleep", HelloSample.Run),
        ("low-level", "get_event_loop, create_task, run_until_complete, close", LowLevelSample.Run),
        ("gather", "asyncio.gather of three factorials", GatherSample.Run),
        ("executor", "loop.run_in_executor(None, blocking)", ExecutorSample.Run),
        ("legacy-main", "static int Main => AsyncIO.Run(() => MainAsync(args))", LegacyMainSample.Run),
        ("task-factory", "TPL code (TaskFactory, ContinueWith, await) on a LoopThread", TaskFactorySample.Run),
        ("producer-consumer", "asyncio.Queue with workers, join, then cancel", ProducerConsumerSample.Run),
        ("cancellation", "hot tasks, task.Cancel(), tokens, Timeout, TaskGroup: where C# differs from asyncio", CancellationSample.Run),
        ("echo", "asyncio's TCP echo server and client, over 127.0.0.1", EchoSample.Run),
        ("subprocess", "create_subprocess_shell with communicate, and a child's output read line by line", SubprocessSample.Run),
        ("ctrl-c", "Ctrl+C cancels AsyncIO.Run's main task, its cleanup runs, the legacy Main returns 130", CtrlCSample.Run),
        ("virtual-time", "FakeTimeProvider with LoopOptions.AutoAdvance: an hour of timers at once", VirtualTimeSample.Run),
    ];

    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            foreach ((string name, string description, Action run) in s_samples)
            {
                WriteHeader(name, description);
                run();
            }

            return 0;
        }

        var sample = s_samples.FirstOrDefault(s => string.Equals(s.Name, args[0], StringComparison.OrdinalIgnoreCase));
        if (sample.Run is null)
        {
            Console.Error.WriteLine($"Unknown sample '{args[0]}'. The samples are:");
            foreach ((string name, string description, _) in s_samples)
            {
                Console.Error.WriteLine($"  {name,-17} {description}");
            }

            return 2;
        }

        WriteHeader(sample.Name, sample.Description);
        sample.Run();
        return Environment.ExitCode;
    }

    private static void WriteHeader(string name, string description) =>
        Console.WriteLine($"=== {name}: {description} ===");
}
