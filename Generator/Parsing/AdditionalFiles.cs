using System;
using System.Linq;
using KernelGen.Generator.Model;
using Microsoft.CodeAnalysis.Text;

namespace KernelGen.Generator.Parsing;

/// <summary>Finding an attribute's file among the AdditionalFiles, and pointing at one of its lines.</summary>
internal static class AdditionalFiles
{
    /// <summary>The additional file whose path is, or ends with, the attribute's path (either slash).</summary>
    public static AdditionalFileText? Find(EquatableArray<AdditionalFileText> files, string path)
    {
        string wanted = Normalize(path);
        return files.FirstOrDefault(f => Normalize(f.Path) == wanted)
            ?? files.FirstOrDefault(f => Normalize(f.Path).EndsWith("/" + wanted.TrimStart('.', '/'), StringComparison.Ordinal));
    }

    /// <summary>The whole of 1-based line <paramref name="line"/> of <paramref name="file"/>.</summary>
    public static LocationInfo LineLocation(AdditionalFileText file, int line)
    {
        var text = SourceText.From(file.Text);
        var lineSpan = text.Lines[Math.Max(1, Math.Min(line, text.Lines.Count)) - 1];
        return new LocationInfo(file.Path, lineSpan.Span, text.Lines.GetLinePositionSpan(lineSpan.Span));
    }

    private static string Normalize(string path) => path.Replace('\\', '/');
}
