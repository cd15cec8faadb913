using System;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Scheduler;

/// <summary>The caller's part of the current stack, for debug-mode creation sites: no library or loop frames.</summary>
#pragma warning disable IL2026 // Debug-mode diagnostics: under trimming, frames may lack names, which the text then shows.
internal static class CallerStack
{
    private const int MaxFrames = 8;

    public static string Capture() => Capture(new StackTrace(1, fNeedFileInfo: true).GetFrames() ?? [], skipped: null);

    /// <summary>The caller's frames in <paramref name="frames"/>, leaving out those of <paramref name="skipped"/> too.</summary>
    public static string Capture(StackFrame[] frames, Assembly? skipped)
    {
        Assembly library = typeof(CallerStack).Assembly;
        var text = new StringBuilder();
        int shown = 0;
        bool inCaller = false;
        string? previous = null;
        foreach (StackFrame frame in frames)
        {
            MethodBase? method = frame.GetMethod();
            if (skipped is not null && method?.DeclaringType?.Assembly == skipped)
            {
                continue;
            }

            bool fromLibrary = method?.DeclaringType?.Assembly == library;
            if (fromLibrary)
            {
                // Library frames before the caller are CreateTask's own; after it, the loop that ran the caller.
                if (inCaller)
                {
                    break;
                }

                continue;
            }

            inCaller = true;
            if (method?.DeclaringType?.Namespace == "System.Runtime.CompilerServices")
            {
                continue; // The async method builder's frames.
            }

            if (shown++ == MaxFrames)
            {
                text.AppendLine("...");
                break;
            }

            string name = Name(method);
            if (name == previous)
            {
                shown--;
                continue; // An async method's start and its first MoveNext name the same source method.
            }

            previous = name;
            text.Append("at ").Append(name);
            if (frame.GetFileName() is { } file)
            {
                text.Append(" in ").Append(file).Append(':').Append(frame.GetFileLineNumber());
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static bool IsGenerated(string name) => name.Length > 0 && name[0] == '<';

    /// <summary>Type.Method, with an async method's or lambda's compiler-generated names made readable.</summary>
    private static string Name(MethodBase? method)
    {
        if (method?.DeclaringType is not { } type)
        {
            return method?.Name ?? "?";
        }

        string owner = type.DeclaringType is { } outer && !IsGenerated(outer.Name) ? outer.Name + "." : string.Empty;
        if (type.Name.StartsWith("<>", StringComparison.Ordinal))
        {
            // A closure class: the method is the lambda.
            return owner + AsyncMethods.MethodName(method.Name);
        }

        if (IsGenerated(type.Name))
        {
            // MoveNext of a state machine: name the source method instead.
            return owner + AsyncMethods.MethodName(type.Name);
        }

        return IsGenerated(method.Name) ? $"{type.Name}.{AsyncMethods.MethodName(method.Name)}" : $"{type.Name}.{method.Name}";
    }
}
#pragma warning restore IL2026
