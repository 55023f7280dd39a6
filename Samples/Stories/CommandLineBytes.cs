using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace KernelGen.Samples.Stories;

/// <summary>
/// The program's arguments as the bytes it was given. .NET hands <c>Main</c> strings decoded from
/// UTF-8, turning each invalid byte into U+FFFD, so a prompt of arbitrary bytes cannot be recovered
/// from them; on Linux <c>/proc/self/cmdline</c> still holds the bytes.
/// </summary>
public static class CommandLineBytes
{
    /// <summary>
    /// The raw bytes of <paramref name="args"/>: the last <c>args.Length</c> entries of
    /// <c>/proc/self/cmdline</c>, when each decodes to its string. Null where the bytes are not
    /// available (not Linux, no /proc) or do not match, and the CLI then encodes the strings as UTF-8.
    /// </summary>
    public static IReadOnlyList<byte[]>? Read(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte[] all;
        try
        {
            all = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Match(all, args);
    }

    /// <summary>Splits NUL-terminated <paramref name="cmdline"/> and matches its tail to <paramref name="args"/>; null when they differ.</summary>
    /// <param name="cmdline">The bytes of <c>/proc/self/cmdline</c>: each argument followed by a NUL.</param>
    /// <param name="args">The arguments as .NET decoded them.</param>
    public static IReadOnlyList<byte[]>? Match(ReadOnlySpan<byte> cmdline, IReadOnlyList<string> args)
    {
        var entries = new List<byte[]>();
        while (!cmdline.IsEmpty)
        {
            int end = cmdline.IndexOf((byte)0);
            if (end < 0)
            {
                end = cmdline.Length;
            }

            entries.Add(cmdline[..end].ToArray());
            cmdline = end < cmdline.Length ? cmdline[(end + 1)..] : default;
        }

        if (entries.Count < args.Count)
        {
            return null;
        }

        var tail = entries.GetRange(entries.Count - args.Count, args.Count);
        for (int i = 0; i < args.Count; i++)
        {
            if (Encoding.UTF8.GetString(tail[i]) != args[i])
            {
                return null;
            }
        }

        return tail;
    }
}
