using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace KernelGen.Decoding.Tests;

/// <summary>Where the tests find the shipped model and the golden outputs: next to the test assembly, never outside the repository.</summary>
internal static class TestFiles
{
    public static string ModelPath => Path.Combine(AppContext.BaseDirectory, "models", "stories260K.bin");

    public static string TokenizerPath => Path.Combine(AppContext.BaseDirectory, "models", "tok512.bin");

    public static byte[] ReadTestData(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", name));

    public static int[] ReadTokens(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", name))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.Parse(t, CultureInfo.InvariantCulture))
            .ToArray();
}
