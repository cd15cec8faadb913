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
/// The library's layers point one way: the loop core (with the diagnostics it reports through), then Tasks (with the
/// reports that read tasks), then the synchronization primitives, then the queues (which wait with the primitives'
/// waiters), then <c>AsyncIO</c>. A type is in the layer of the folder that declares it; a source file may name types
/// of its own layer and lower ones only. A lower layer that needs a higher one reaches it through a seam of its own
/// (<c>LoopTaskSide</c>, <c>FlowingTask</c>, <c>ILoopContinuation</c>, <c>ContinuationHolder</c>).
/// </summary>
/// <remarks>
/// Read from the sources (comments and literals' text left out, interpolation holes kept) against the assembly's
/// top-level types, so a name in a doc comment or a message does not count and a new type needs no list.
/// </remarks>
public class LayerTests
{
    private static readonly string[] s_layers = ["Loop|Diagnostics", "Tasks", "Synchronization", "Queues", "Streams", "."];

    [Fact]
    public void NoLayerNamesATypeOfAHigherLayer()
    {
        Dictionary<string, string> files = SourceCode.LibraryFiles();

        Dictionary<string, int> layerOfType = LayerOfEachType(files);
        layerOfType.ShouldContainKey("LoopTaskScheduler");
        layerOfType.ShouldContainKey("LoopTaskState");

        var upward = new SortedSet<string>(StringComparer.Ordinal);
        foreach ((string file, string code) in files)
        {
            int layer = LayerOf(file);
            foreach (Match word in Regex.Matches(code, @"\b[A-Z]\w*\b"))
            {
                if (layerOfType.TryGetValue(word.Value, out int other) && other > layer)
                {
                    upward.Add($"{file} -> {word.Value}");
                }
            }
        }

        upward.ShouldBeEmpty("a lower layer names a type of a higher one: move the type down or reach it through a seam of the lower layer");
    }

    [Fact]
    public void CodeKeepsInterpolationHolesAndDropsCommentsAndText()
    {
        string code = SourceCode.Code("var s = $\"In {Durations.Format(t)} \\\"Quoted\\\" {{Braces}}\" + @\"Verbatim \"\"Text\"\"\" + 'x'; // LoopTask\n/* TaskDump */ Next();");

        code.ShouldContain("Durations.Format(t)");
        code.ShouldContain("Next()");
        foreach (string gone in new[] { "In", "Quoted", "Braces", "Verbatim", "Text", "LoopTask", "TaskDump" })
        {
            Regex.IsMatch(code, $@"\b{gone}\b").ShouldBeFalse($"'{gone}' is a comment's or a literal's text, not code: {code}");
        }
    }

    /// <summary>The layer of each of the assembly's top-level types: the layer of the folder of the file declaring it.</summary>
    private static Dictionary<string, int> LayerOfEachType(Dictionary<string, string> files)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        IEnumerable<string> names = typeof(LoopTaskScheduler).Assembly.GetTypes()
            .Where(t => !t.IsNested && t.Namespace == "Scheduler" && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .Select(t => t.Name.Split('`')[0])
            .Distinct();
        foreach (string name in names)
        {
            var declaration = new Regex($@"\b(class|struct|interface|enum|record)\s+{name}\b");
            string[] declaring = files.Where(f => declaration.IsMatch(f.Value)).Select(f => f.Key).ToArray();
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
}
