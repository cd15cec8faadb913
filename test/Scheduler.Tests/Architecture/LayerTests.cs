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
    private static readonly string[] s_layers = ["Loop|Diagnostics", "Tasks", "Synchronization", "Queues", "."];

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

        upward.ShouldBeEmpty("a lower layer names a type of a higher one: move the type down or reach it through a seam of the lower layer");
    }

    [Fact]
    public void CodeKeepsInterpolationHolesAndDropsCommentsAndText()
    {
        string code = Code("var s = $\"In {Durations.Format(t)} \\\"Quoted\\\" {{Braces}}\" + @\"Verbatim \"\"Text\"\"\" + 'x'; // LoopTask\n/* TaskDump */ Next();");

        code.ShouldContain("Durations.Format(t)");
        code.ShouldContain("Next()");
        foreach (string gone in new[] { "In", "Quoted", "Braces", "Verbatim", "Text", "LoopTask", "TaskDump" })
        {
            Regex.IsMatch(code, $@"\b{gone}\b").ShouldBeFalse($"'{gone}' is a comment's or a literal's text, not code: {code}");
        }
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
    /// <summary>
    /// The code of a source file with comments and the text of string and char literals blanked out; the holes of an
    /// interpolated string are code, and kept.
    /// </summary>
    private static string Code(string text)
    {
        var code = new System.Text.StringBuilder(text.Length);
        int i = 0;
        Scan(text, ref i, code, endAtBrace: false);
        return code.ToString();
    }

    /// <summary>Copies code from <paramref name="i"/>; inside an interpolation hole, stops after the brace that closes it.</summary>
    private static void Scan(string text, ref int i, System.Text.StringBuilder code, bool endAtBrace)
    {
        int depth = 0;
        while (i < text.Length)
        {
            char c = text[i];
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && next == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 2;
                code.Append(' ');
            }
            else if (c == '\'')
            {
                // A char literal: skip to its closing quote ('\'' and '"' included).
                i += next == '\\' ? 3 : 2;
                while (i < text.Length && text[i] != '\'')
                {
                    i++;
                }

                i++;
                code.Append("' '");
            }
            else if (c is '$' or '@' or '"' && StringStart(text, i, out int quote, out bool interpolated, out bool verbatim))
            {
                i = quote + 1;
                code.Append('"');
                SkipString(text, ref i, code, interpolated, verbatim);
                code.Append('"');
            }
            else
            {
                if (endAtBrace && c == '{')
                {
                    depth++;
                }
                else if (endAtBrace && c == '}' && depth-- == 0)
                {
                    i++;
                    return;
                }

                code.Append(c);
                i++;
            }
        }
    }

    /// <summary>Whether a string literal starts at <paramref name="i"/> ("…", @"…", $"…", $@"…", @$"…"), and where its quote is.</summary>
    private static bool StringStart(string text, int i, out int quote, out bool interpolated, out bool verbatim)
    {
        interpolated = false;
        verbatim = false;
        quote = i;
        while (quote < text.Length && quote < i + 2 && text[quote] is '$' or '@')
        {
            interpolated |= text[quote] == '$';
            verbatim |= text[quote] == '@';
            quote++;
        }

        return quote < text.Length && text[quote] == '"' && (quote == i || !char.IsLetterOrDigit(i > 0 ? text[i - 1] : ' '));
    }

    /// <summary>Skips a string literal's text up to and past its closing quote, scanning its interpolation holes as code.</summary>
    private static void SkipString(string text, ref int i, System.Text.StringBuilder code, bool interpolated, bool verbatim)
    {
        while (i < text.Length)
        {
            char c = text[i];
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (verbatim && c == '"' && next == '"')
            {
                i += 2;
            }
            else if (c == '"' || (!verbatim && c == '\n'))
            {
                i++;
                return;
            }
            else if (!verbatim && c == '\\')
            {
                i += 2;
            }
            else if (interpolated && c == '{' && next == '{')
            {
                i += 2;
            }
            else if (interpolated && c == '{')
            {
                i++;
                code.Append(" {");
                Scan(text, ref i, code, endAtBrace: true);
                code.Append("} ");
            }
            else
            {
                i++;
            }
        }
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
