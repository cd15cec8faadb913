using System;
using System.Text;

namespace Scheduler.Tests;

/// <summary>Bytes from text and back, for the stream tests' payloads.</summary>
internal static class Ascii
{
    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.ASCII.GetString(bytes.ToArray());
}
