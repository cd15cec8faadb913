using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The library's layers point one way: the loop core, then Tasks (with the reports that read tasks), then the
/// synchronization primitives, then the queues (which wait with the primitives' waiters), then <c>AsyncIO</c>. A type
/// is in the layer of the folder that declares it; a source file may name types of its own layer and lower ones only.
/// </summary>
/// <remarks>
/// Read from the sources (comments and string literals left out) against the assembly's top-level types, so a name
/// in a doc comment or a message does not count and a new type needs no list. The references the core still makes
/// upward are listed as known: the list may only shrink, and an entry that no longer holds fails too, so whoever removes
/// one removes its line.
/// </remarks>
public class LayerTests
{
    private static readonly string[] s_layers = ["Loop", "Tasks|Diagnostics", "Synchronization", "Queues", "."];

    /// <summary>Upward references that remain, as "file -> type". The core still tracks tasks and pools their hooks and
    /// sleeps itself, and starts the watchdog and metrics it reports through.</summary>
    private static readonly string[] s_known =
    [
        "Loop/TimerNode.cs -> CompletionHook",
        "Loop/LoopSynchronizationContext.cs -> CompletionHook",
        "Loop/LoopSynchronizationContext.cs -> TaskDump",
        "Loop/TimerNode.cs -> TaskDump",
        "Loop/LoopTaskScheduler.Callbacks.cs -> LoopTaskState",
        "Loop/LoopTaskScheduler.Context.cs -> LoopTaskState",
        "Loop/LoopTaskScheduler.Dump.cs -> TaskDump",
        "Loop/LoopTaskScheduler.Exceptions.cs -> LoopTaskState",
        "Loop/LoopTaskScheduler.cs -> LoopMetrics",
        "Loop/LoopTaskScheduler.cs -> StallWatchdog",
        "Loop/LoopTaskScheduler.Metrics.cs -> LoopMetrics",
        "Loop/LoopTaskScheduler.Debug.cs -> LoopMetrics",
        "Loop/LoopTaskScheduler.Debug.cs -> LoopTaskState",
        "Loop/LoopTaskScheduler.Debug.cs -> TaskDump",
        "Loop/LoopTaskScheduler.Turn.cs -> SleepPromise",
        "Loop/LoopTaskScheduler.RunTask.cs -> LeftLoopListener",
        "Loop/LoopTaskScheduler.Watchdog.cs -> StallWatchdog",
    ];

    [Fact]
    public void NoLayerNamesATypeOfAHigherLayer()
    {
        string source = Path.Combine(RepositoryRoot(), "src", "Scheduler");
        Dictionary<string, string[]> files = Directory.GetFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(source, f).Replace('\\', '/'), f => new[] { Code(File.ReadAllText(f)) });

        Dictionary<string, int> layerOfType = LayerOfEachType(files);
        layerOfType.ShouldContainKey("LoopTaskScheduler");
        layerOfType.ShouldContainKey("LoopTaskState");

        var upward = new SortedSet<string>(StringComparer.Ordinal);
        foreach ((string file, string[] code) in files)
        {
            int layer = LayerOf(file);
            foreach (Match word in Regex.Matches(code[0], @"\b[A-Z]\w*\b"))
            {
                if (layerOfType.TryGetValue(word.Value, out int other) && other > layer)
                {
                    upward.Add($"{file} -> {word.Value}");
                }
            }
        }

        upward.Except(s_known).ShouldBeEmpty("a lower layer names a type of a higher one: move the type down or reach it through a seam of the lower layer");
        s_known.Except(upward).ShouldBeEmpty("a known upward reference is gone: remove its line from the list");
    }

    /// <summary>The layer of each of the assembly's top-level types: the layer of the folder of the file declaring it.</summary>
    private static Dictionary<string, int> LayerOfEachType(Dictionary<string, string[]> files)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        IEnumerable<string> names = typeof(LoopTaskScheduler).Assembly.GetTypes()
            .Where(t => !t.IsNested && t.Namespace == "Scheduler" && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .Select(t => t.Name.Split('`')[0])
            .Distinct();
        foreach (string name in names)
        {
            var declaration = new Regex($@"\b(class|struct|interface|enum|record)\s+{name}\b");
            string[] declaring = files.Where(f => declaration.IsMatch(f.Value[0])).Select(f => f.Key).ToArray();
            if (declaring.Length > 0)
            {
                result[name] = declaring.Min(LayerOf);
            }
        }

        return result;
    }

    private static int LayerOf(string file)
    {
        string folder = file.Contains('/', StringComparison.Ordinal) ? file.Substring(0, file.IndexOf('/', StringComparison.Ordinal)) : ".";
        for (int i = 0; i < s_layers.Length; i++)
        {
            if (s_layers[i].Split('|').Contains(folder))
            {
                return i;
            }
        }

        throw new ShouldAssertException($"{file}: its folder '{folder}' has no layer; add it to the list of layers");
    }

    /// <summary>The code without comments and string literals.</summary>
    private static string Code(string text)
    {
        text = Regex.Replace(text, @"/\*.*?\*/", " ", RegexOptions.Singleline);
        text = Regex.Replace(text, @"//[^\n]*", " ");
        return Regex.Replace(text, @"\$?@?""(?:\\.|""""|[^""\\\n])*""", "\"\"");
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new ShouldAssertException("the repository root (Scheduler.sln) was not found above the test's directory");
    }
}
