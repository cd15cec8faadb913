using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Shouldly;

namespace Scheduler.Tests;

/// <summary>The library's sources as the architecture tests read them.</summary>
internal static class SourceCode
{
    /// <summary>The library's folder, <c>src/Scheduler</c>.</summary>
    public static string LibraryRoot() => Path.Combine(RepositoryRoot(), "src", "Scheduler");

    /// <summary>Each source file of the library (build output left out), by its path under <see cref="LibraryRoot"/>, with its <see cref="Code"/>.</summary>
    public static Dictionary<string, string> LibraryFiles()
    {
        string source = LibraryRoot();
        return Directory.GetFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(source, f).Replace('\\', '/'), f => Code(File.ReadAllText(f)), StringComparer.Ordinal);
    }

    /// <summary>
    /// The code of a source file with comments and the text of string and char literals blanked out; the holes of an
    /// interpolated string are code, and kept.
    /// </summary>
    public static string Code(string text)
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

    public static string RepositoryRoot()
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
