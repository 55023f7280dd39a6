using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>
/// Snapshot assertions for generated source. Snapshots are plain C# files in <c>Snapshots/</c>,
/// so a change to the emitter shows up as a readable diff in review.
/// </summary>
/// <remarks>
/// A missing or different snapshot fails the test and writes <c>{name}.received.cs</c> beside it.
/// To accept, review the received file and rename it, or run the tests once with
/// <c>KERNELGEN_UPDATE_SNAPSHOTS=1</c> (never set in CI, so a missing snapshot fails there).
/// </remarks>
internal static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        string approved = Path.Combine(folder, name + ".g.cs");
        string received = Path.Combine(folder, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        if (Environment.GetEnvironmentVariable("KERNELGEN_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(approved, actual);
            File.Delete(received);
            return;
        }

        if (!File.Exists(approved))
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(received, actual);
            Assert.Fail($"Snapshot '{name}' does not exist. Review {received} and rename it to {Path.GetFileName(approved)} to accept it.");
        }

        string expected = File.ReadAllText(approved).Replace("\r\n", "\n");
        if (expected != actual)
        {
            File.WriteAllText(received, actual);
            Assert.Fail($"Snapshot '{name}' changed: {FirstDifference(expected, actual)}. Compare {approved} with {received}.");
        }

        File.Delete(received);
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>";
            string al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
            {
                return $"line {i + 1} was \"{el.Trim()}\" and is now \"{al.Trim()}\"";
            }
        }

        return "line endings differ";
    }
}
