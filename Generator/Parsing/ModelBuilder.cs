using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using KernelGen.Configuration;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Patterns;
using KernelGen.Validation;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Turns a <see cref="ModelDeclaration"/> (and, for <c>ConfigFile</c>, the config file read) into a
/// <see cref="ModelSpec"/>: the shape checked against the shared rules, every
/// <c>[SparseAttention]</c> checked and assigned to its layers. Pure: values in, values out.
/// </summary>
internal static class ModelBuilder
{
    /// <summary>Largest head dimension the emitter unrolls; larger ones run on the generic kernels.</summary>
    public const int MaxSpecializedHeadDim = 256;

    /// <param name="declaration">The class as written.</param>
    /// <param name="config">The config file's values and the file itself, when the attribute names one.</param>
    public static ParseResult Build(ModelDeclaration declaration, (HuggingFaceConfig Values, AdditionalFileText File)? config)
    {
        var diagnostics = new List<DiagnosticInfo>(declaration.DeclarationDiagnostics);
        var arguments = declaration.Arguments.ToDictionary(a => a.Name);
        LocationInfo? ArgumentLocation(string name) => arguments.TryGetValue(name, out var argument) ? argument.Location : declaration.Location;
        int Get(string name) => arguments.TryGetValue(name, out var argument) ? argument.Value : 0;

        int dim, layers, heads, kvHeads, hiddenDim, vocab, maxSeqLen;
        bool kvHeadsSet, hiddenDimSet, vocabSet;
        if (config is { } c)
        {
            // The file states the shape; an argument may repeat a value but not contradict it.
            foreach (var pair in HuggingFaceConfig.ShapeKeys)
            {
                if (arguments.TryGetValue(pair.Key, out var argument) && argument.Value != c.Values.ShapeValue(pair.Key))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConfigContradiction, argument.Location, ShapeRules.Format(
                        "{0} = {1} contradicts {2}, whose {3} is {4} (line {5}); leave {0} out or make them agree",
                        pair.Key, argument.Value, Path.GetFileName(c.File.Path), pair.Value, c.Values.ShapeValue(pair.Key), c.Values.LineOf(pair.Value))));
                }
            }

            (dim, layers, heads, kvHeads) = (c.Values.Dim, c.Values.Layers, c.Values.Heads, c.Values.KvHeads);
            (hiddenDim, vocab, maxSeqLen) = (c.Values.HiddenDim, c.Values.Vocab, c.Values.MaxSeqLen);
            kvHeadsSet = hiddenDimSet = vocabSet = true;
        }
        else
        {
            (dim, layers, heads, maxSeqLen) = (Get("Dim"), Get("Layers"), Get("Heads"), Get("MaxSeqLen"));
            kvHeadsSet = arguments.ContainsKey("KvHeads");
            kvHeads = kvHeadsSet ? Get("KvHeads") : heads;
            (hiddenDim, hiddenDimSet) = (Get("HiddenDim"), arguments.ContainsKey("HiddenDim"));
            (vocab, vocabSet) = (Get("Vocab"), arguments.ContainsKey("Vocab"));
        }

        foreach (var violation in ShapeRules.Check(dim, layers, heads, kvHeads, hiddenDim, vocab, maxSeqLen, kvHeadsSet, hiddenDimSet, vocabSet))
        {
            if (config is { } file)
            {
                // The value came from the file: point at its line there.
                string key = HuggingFaceConfig.KeyOf(violation.Field);
                int line = file.Values.LineOf(key);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(violation.Id), AdditionalFiles.LineLocation(file.File, line),
                    Path.GetFileName(file.File.Path) + " line " + line.ToString(CultureInfo.InvariantCulture) + " (" + key + "): " + violation.Message));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(violation.Id), ArgumentLocation(violation.Field), violation.Message));
            }
        }

        int kvCache = Get("KvCache");
        if (kvCache < (int)KvCacheFormat.Float32 || kvCache > (int)KvCacheFormat.Int8)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownKvCacheFormat, ArgumentLocation("KvCache"), kvCache.ToString(CultureInfo.InvariantCulture)));
        }

        if (diagnostics.Count > 0 || !GeneratorBudgets.CheckLayers(layers, config is { } withFile ? AdditionalFiles.LineLocation(withFile.File, withFile.Values.LineOf("num_hidden_layers")) : ArgumentLocation("Layers"), config, diagnostics))
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var (patterns, sources, layerPatterns) = BuildPatterns(declaration, heads, layers, maxSeqLen, config, diagnostics);
        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        string? fallback = null;
        int headDim = dim / heads;
        if (headDim > MaxSpecializedHeadDim)
        {
            fallback = string.Format(CultureInfo.InvariantCulture,
                "head_dim {0} is larger than {1}, the largest the generator unrolls", headDim, MaxSpecializedHeadDim);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericFallback, declaration.Location, declaration.ClassName, fallback));
        }

        var spec = new ModelSpec(declaration.Namespace, declaration.ClassName, dim, layers, heads, kvHeads, hiddenDim, vocab, maxSeqLen, fallback,
            patterns.ToEquatableArray(), layerPatterns.ToEquatableArray())
        {
            KvCache = (KvCacheFormat)kvCache,
        };
        return new ParseResult(spec, diagnostics.ToEquatableArray(), PatternSources: sources.ToEquatableArray());
    }

    /// <summary>
    /// The config file's sliding window on every layer, then every <c>[SparseAttention]</c>: each is
    /// checked against the shared pattern rules and assigned to its layers. Returns the distinct
    /// patterns, where each is written (index for index), and each layer's index.
    /// </summary>
    private static (List<PatternSpec> Patterns, List<PatternSource> Sources, int[] LayerPatterns) BuildPatterns(
        ModelDeclaration declaration, int heads, int layers, int maxSeqLen, (HuggingFaceConfig Values, AdditionalFileText File)? config, List<DiagnosticInfo> diagnostics)
    {
        var patterns = new List<PatternSpec> { PatternSpec.Dense };
        var sources = new List<PatternSource> { PatternSource.None };
        var layerPatterns = new int[layers];
        var claimedBy = new string?[layers];

        // Mistral's sliding_window: the same spec [SparseAttention(SlidingWindow, Window = w)] gives.
        // A window as long as the context attends every key, which is dense.
        if (config is { } c && c.Values.SlidingWindow > 0 && c.Values.SlidingWindow < maxSeqLen)
        {
            var window = PatternSpec.Dense with { Parameters = new PatternParameters { Kind = SparsePattern.SlidingWindow, Window = c.Values.SlidingWindow } };
            patterns.Add(window);
            sources.Add(PatternSource.None);
            string source = ShapeRules.Format("the SlidingWindow pattern of {0}'s sliding_window (line {1})", Path.GetFileName(c.File.Path), c.Values.LineOf("sliding_window"));
            for (int layer = 0; layer < layers; layer++)
            {
                layerPatterns[layer] = 1;
                claimedBy[layer] = source;
            }
        }

        foreach (var attribute in declaration.SparseAttributes)
        {
            var parameters = attribute.Parameters;
            if (parameters.Kind < SparsePattern.Dense || parameters.Kind > SparsePattern.QueryAware)
            {
                continue; // not a SparsePattern value: the compiler already reports it
            }

            var given = attribute.Arguments.ToDictionary(a => a.Name);
            LocationInfo? At(string name) => given.TryGetValue(name, out var argument) ? argument.Location : attribute.Location;
            int before = diagnostics.Count;
            foreach (var violation in PatternRules.Check(parameters, heads, maxSeqLen, given.Keys.ToList()))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(violation.Id), At(violation.Field), violation.Message));
            }

            GeneratorBudgets.CheckBlockTable(parameters, maxSeqLen, At("BlockSize"), diagnostics);
            if (parameters.Kind == SparsePattern.Layout && string.IsNullOrWhiteSpace(attribute.LayoutFile))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveParameter, attribute.Location,
                    "the Layout pattern needs LayoutFile, the path of its layout file among the project's AdditionalFiles"));
            }

            if (!LayerSelection.TryParse(attribute.LayersText, layers, out var selected, out string? layerError))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadLayerList, At("Layers"), "Layers = \"" + attribute.LayersText + "\": " + layerError));
                continue;
            }

            if (diagnostics.Skip(before).Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
            {
                continue;
            }

            // Equal block sets are one pattern however the list was written ("0-1" and "1,0").
            if (parameters.GlobalBlockIndices is not null)
            {
                parameters = parameters with { GlobalBlockIndices = PublishedForms.CanonicalBlockIndices(parameters.GlobalBlockIndices) };
            }

            var spec = new PatternSpec(parameters, attribute.LayoutFile, default);
            var source = new PatternSource(
                parameters.Kind == SparsePattern.Layout ? At("LayoutFile") : null,
                parameters.Kind == SparsePattern.Layout && given.ContainsKey("BlockSize") ? At("BlockSize") : null);

            // Equal patterns compile once, whatever attribute they came from; the first one's source is kept.
            int index = patterns.IndexOf(spec);
            if (index < 0)
            {
                patterns.Add(spec);
                sources.Add(source);
                index = patterns.Count - 1;
            }

            foreach (int layer in selected)
            {
                if (claimedBy[layer] is { } owner)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerAssignedTwice, At("Layers"),
                        string.Format(CultureInfo.InvariantCulture, "layer {0} already has {1}; each layer takes one", layer, owner)));
                    break;
                }

                claimedBy[layer] = "a pattern from another [SparseAttention]";
                layerPatterns[layer] = index;
            }
        }

        // Keep the dense entry only when some layer is still dense; renumber the rest.
        if (claimedBy.All(c => c is not null) && patterns.Count > 1)
        {
            patterns.RemoveAt(0);
            sources.RemoveAt(0);
            for (int layer = 0; layer < layers; layer++)
            {
                layerPatterns[layer]--;
            }
        }

        return (patterns, sources, layerPatterns);
    }
}
