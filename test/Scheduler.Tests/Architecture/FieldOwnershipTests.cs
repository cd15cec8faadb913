using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// Each field of the loop class is written by the one file that declares it: state another file needs to change is a
/// component's (<c>LoopTimers</c>, <c>LoopClock</c>, <c>ContextSwitcher</c>, <c>ItemWatch</c>, the tasks side), changed
/// through its methods, so no partial file reaches into another's state.
/// </summary>
/// <remarks>
/// Read from the sources: a write is an assignment (<c>_x = </c>, <c>_x.Member = </c>, compound or <c>??=</c>), an
/// increment, or passing the field by <c>ref</c>/<c>out</c> (<c>Interlocked</c>, <c>Volatile.Write</c>); calling a
/// component's method is not.
/// </remarks>
public class FieldOwnershipTests
{
    private static readonly Regex s_field = new(
        @"^\s*(?:\[[^\]\n]*\]\s*)*(?:(?:private|internal|protected|public|static|readonly|volatile)\s+)+[\w<>\[\]?,. ]+?\s+((?:_|t_|s_)\w+)\s*(?:=(?!>)|;)",
        RegexOptions.Multiline);

    [Fact]
    public void EveryLoopFieldIsWrittenOnlyInTheFileThatDeclaresIt()
    {
        Dictionary<string, string> loopFiles = SourceCode.LibraryFiles()
            .Where(f => Regex.IsMatch(f.Value, @"\bpartial\s+class\s+LoopTaskScheduler\b"))
            .ToDictionary(f => f.Key, f => TopLevelMembers(f.Value), StringComparer.Ordinal);
        loopFiles.Count.ShouldBeGreaterThan(10);

        var declaredIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string file, string code) in loopFiles)
        {
            foreach (Match field in s_field.Matches(code))
            {
                declaredIn[field.Groups[1].Value] = file;
            }
        }

        declaredIn.ShouldContainKey("_ready");
        declaredIn.ShouldContainKey("_timers");

        var strays = new List<string>();
        foreach ((string field, string owner) in declaredIn)
        {
            foreach ((string file, string code) in loopFiles)
            {
                if (file != owner && Writes(code, field))
                {
                    strays.Add($"{file} writes {field}, declared in {owner}");
                }
            }
        }

        strays.ShouldBeEmpty("give the state to the file that writes it, or make it a component's and call its methods");
    }

    [Theory]
    [InlineData("_x = 1;", true)]
    [InlineData("_x.Value = 0;", true)]
    [InlineData("_x ??= new();", true)]
    [InlineData("_x += 2;", true)]
    [InlineData("_x++;", true)]
    [InlineData("--_x;", true)]
    [InlineData("Interlocked.Increment(ref _x);", true)]
    [InlineData("Volatile.Read(ref _x)", false)]
    [InlineData("if (_x == 1) { }", false)]
    [InlineData("_x.Schedule(node, when);", false)]
    [InlineData("Cancel(ref _x.Slot(id));", false)]
    [InlineData("_xy = 1;", false)]
    [InlineData("other._x = 1;", true)]
    public void Writes_TellsAWriteFromARead(string code, bool write) => Writes(code, "_x").ShouldBe(write);

    /// <summary>Whether <paramref name="code"/> writes <paramref name="field"/>; a read by <c>ref</c> (<c>Volatile.Read</c>) is not one.</summary>
    private static bool Writes(string code, string field)
    {
        string name = Regex.Escape(field);
        string assigned = $@"\b{name}(?:\s*\.\s*\w+)*\s*(?:=(?![=>])|\+\+|--|[-+*/|&^]=|\?\?=)";
        string incremented = $@"(?:\+\+|--)\s*{name}\b";
        string byReference = $@"(?<!Volatile\.Read\(\s*)\b(?:ref|out)\s+{name}\b(?!(?:\s*\.\s*\w+)*\s*\()";
        return Regex.IsMatch(code, assigned) || Regex.IsMatch(code, incremented) || Regex.IsMatch(code, byReference);
    }

    /// <summary>The code of the loop class itself in a file: nested types' bodies, which own their own fields, left out.</summary>
    private static string TopLevelMembers(string code)
    {
        var result = new System.Text.StringBuilder(code.Length);
        int depth = 0;
        int skipFrom = -1;
        for (int i = 0; i < code.Length; i++)
        {
            char c = code[i];
            if (c == '{')
            {
                depth++;

                // Depth 1 is the namespace-less class body (file-scoped namespace); a type declared inside it opens at depth 2.
                if (depth == 2 && skipFrom < 0 && Regex.IsMatch(LastLine(code, i), @"\b(class|struct|record|interface|enum)\b"))
                {
                    skipFrom = depth;
                }
            }

            if (skipFrom < 0)
            {
                result.Append(c);
            }

            if (c == '}')
            {
                if (depth == skipFrom)
                {
                    skipFrom = -1;
                }

                depth--;
            }
        }

        return result.ToString();
    }

    /// <summary>The text before <paramref name="i"/> back to the previous member's end, where a nested type names itself.</summary>
    private static string LastLine(string code, int i)
    {
        int start = Math.Max(code.LastIndexOfAny([';', '}', '{'], Math.Max(i - 1, 0)), 0);
        return code.Substring(start, i - start);
    }
}
