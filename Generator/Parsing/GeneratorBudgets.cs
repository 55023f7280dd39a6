using System.Collections.Generic;
using System.Globalization;
using System.IO;
using KernelGen.Configuration;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Patterns;
using KernelGen.Validation;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Limits on what the generator will build and emit, checked before the work they bound: each
/// real model fits well inside them (Llama 3.1 405B has 126 layers and 128 heads; BigBird and
/// learned layouts use a few hundred block rows), while an attribute or file at an extreme gets a
/// diagnostic naming the limit and the value instead of minutes of build and gigabytes of memory.
/// </summary>
internal static class GeneratorBudgets
{
    /// <summary>Most layers a model class may have (KG0050): the emitter writes per-layer dispatch.</summary>
    public const int MaxLayers = 1024;

    /// <summary>Most characters of one emitted file (KG0052): 32M, far above any real model's few hundred KB.</summary>
    public const int MaxEmittedChars = 32 << 20;

    /// <summary>KG0050 when <paramref name="layers"/> is over <see cref="MaxLayers"/>; true when within.</summary>
    public static bool CheckLayers(int layers, LocationInfo? location, (HuggingFaceConfig Values, AdditionalFileText File)? config, List<DiagnosticInfo> diagnostics)
    {
        if (layers <= MaxLayers)
        {
            return true;
        }

        string where = config is { } c
            ? Path.GetFileName(c.File.Path) + " line " + c.Values.LineOf("num_hidden_layers").ToString(CultureInfo.InvariantCulture) + " (num_hidden_layers): "
            : "";
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyLayers, location, where + ShapeRules.Format(
            "Layers = {0} is more than {1}, the most layers KernelGen generates kernels for", layers, MaxLayers)));
        return false;
    }

    /// <summary>
    /// KG0051 for a BigBird pattern whose block table would exceed <see cref="LayoutFile.MaxBlockRows"/>
    /// rows or <see cref="LayoutFile.MaxTableEntries"/> entries (a layout file is checked as it is read).
    /// </summary>
    public static void CheckBlockTable(PatternParameters p, int maxSeqLen, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (p.Kind != SparsePattern.BigBird || p.BlockSize <= 0)
        {
            return;
        }

        long rows = ((long)maxSeqLen + p.BlockSize - 1) / p.BlockSize;
        long perRow = (long)p.WindowBlocks + p.GlobalBlocks + p.RandomBlocks + 1;
        long entries = rows * System.Math.Min(rows, perRow);
        if (rows > LayoutFile.MaxBlockRows || entries > LayoutFile.MaxTableEntries)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockTableTooLarge, location, ShapeRules.Format(
                "BigBird with BlockSize = {0} at MaxSeqLen = {1} needs a block table of {2} rows and up to {3} entries; KernelGen builds at most {4} rows and {5} entries: use a larger BlockSize",
                p.BlockSize, maxSeqLen, rows, entries, LayoutFile.MaxBlockRows, LayoutFile.MaxTableEntries)));
        }
    }
}
