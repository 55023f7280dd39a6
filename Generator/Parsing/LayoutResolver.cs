using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Patterns;
using KernelGen.Validation;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Reads the layout files that Layout patterns name, from the project's AdditionalFiles, into the
/// spec's block tables. A file that is missing or malformed becomes a diagnostic pointing at the
/// attribute or at the offending line of the file.
/// </summary>
internal static class LayoutResolver
{
    public static ParseResult Resolve(ParseResult parsed, EquatableArray<AdditionalFileText> files)
    {
        var spec = parsed.Spec;
        if (spec is null || spec.Patterns.All(p => p.Parameters.Kind != SparsePattern.Layout))
        {
            return parsed;
        }

        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var patterns = new List<PatternSpec>();
        for (int i = 0; i < spec.Patterns.Count; i++)
        {
            var pattern = spec.Patterns[i];
            patterns.Add(pattern.Parameters.Kind == SparsePattern.Layout ? Read(pattern, parsed.PatternSources[i], spec, files, diagnostics) : pattern);
        }

        return diagnostics.Count > parsed.Diagnostics.Count
            ? new ParseResult(null, diagnostics.ToEquatableArray())
            : parsed with { Spec = spec with { Patterns = patterns.ToEquatableArray() } };
    }

    private static PatternSpec Read(PatternSpec pattern, PatternSource source, ModelSpec spec, EquatableArray<AdditionalFileText> files, List<DiagnosticInfo> diagnostics)
    {
        var file = AdditionalFiles.Find(files, pattern.LayoutFile!);
        if (file is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayoutFileMissing, source.LayoutFile,
                "layout file '" + pattern.LayoutFile + "' is not among the project's AdditionalFiles; add <AdditionalFiles Include=\"" + pattern.LayoutFile + "\" /> to the project"));
            return pattern;
        }

        var layout = LayoutFile.Parse(file.Text, spec.Heads, spec.MaxSeqLen, out var problems);
        foreach (var problem in problems)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(problem.Id),
                problem.Line > 0 ? AdditionalFiles.LineLocation(file, problem.Line) : source.LayoutFile,
                Path.GetFileName(file.Path) + (problem.Line > 0 ? " line " + problem.Line : "") + ": " + problem.Message));
        }

        if (layout is null)
        {
            return pattern;
        }

        if (source.BlockSize is not null && pattern.Parameters.BlockSize != layout.BlockSize)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayoutBlockSizeMismatch, source.BlockSize,
                ShapeRules.Format("BlockSize ({0}) differs from the block size {1} of layout file '{2}'", pattern.Parameters.BlockSize, layout.BlockSize, pattern.LayoutFile!)));
            return pattern;
        }

        var tables = layout.Tables
            .Select(table => table.Select(row => row.ToEquatableArray()).ToEquatableArray())
            .ToEquatableArray();
        return pattern with { Parameters = pattern.Parameters with { BlockSize = layout.BlockSize }, Tables = tables };
    }
}
