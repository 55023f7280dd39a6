using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Patterns;
using KernelGen.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Reads a <c>[TransformerModel]</c> class into a <see cref="ModelSpec"/>. The only part of the
/// generator that touches Roslyn symbols and syntax; everything it returns is plain values.
/// </summary>
internal static class ModelParser
{
    private const string SparseAttentionAttribute = "KernelGen.SparseAttentionAttribute";

    /// <summary>Largest head dimension the emitter unrolls; larger ones run on the generic kernels.</summary>
    public const int MaxSpecializedHeadDim = 256;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        var attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
        }

        if (type.ContainingType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNested, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name, type.ContainingType.Name));
        }

        if (type.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassGeneric, LocationInfo.From(declaration.TypeParameterList), type.Name));
        }

        var arguments = attribute.NamedArguments
            .Where(a => a.Value.Value is int)
            .ToDictionary(a => a.Key, a => (int)a.Value.Value!);
        int Get(string name) => arguments.TryGetValue(name, out int value) ? value : 0;

        int dim = Get("Dim"), layers = Get("Layers"), heads = Get("Heads"), maxSeqLen = Get("MaxSeqLen");
        bool kvHeadsSet = arguments.ContainsKey("KvHeads");
        int kvHeads = kvHeadsSet ? Get("KvHeads") : heads;

        var violations = ShapeRules.Check(
            dim, layers, heads, kvHeads, Get("HiddenDim"), Get("Vocab"), maxSeqLen,
            kvHeadsSet, hiddenDimSet: arguments.ContainsKey("HiddenDim"), vocabSet: arguments.ContainsKey("Vocab"));
        foreach (var violation in violations)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ForRule(violation.Id), ArgumentLocation(attributeSyntax, violation.Field), violation.Message));
        }

        if (diagnostics.Count > 0)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var (patterns, layerPatterns) = ParsePatterns(type, heads, layers, maxSeqLen, diagnostics, cancellationToken);
        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        string? fallback = null;
        int headDim = dim / heads;
        if (headDim > MaxSpecializedHeadDim)
        {
            fallback = string.Format(CultureInfo.InvariantCulture,
                "head_dim {0} is larger than {1}, the largest the generator unrolls", headDim, MaxSpecializedHeadDim);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericFallback, LocationInfo.From(attributeSyntax), type.Name, fallback));
        }

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
        var spec = new ModelSpec(ns, type.Name, dim, layers, heads, kvHeads, Get("HiddenDim"), Get("Vocab"), maxSeqLen, fallback,
            patterns.ToEquatableArray(), layerPatterns.ToEquatableArray());
        return new ParseResult(spec, diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// Reads every <c>[SparseAttention]</c> on the class: checks each against the shared pattern
    /// rules, assigns it to its layers, and returns the distinct patterns with each layer's index.
    /// </summary>
    private static (List<PatternSpec> Patterns, int[] LayerPatterns) ParsePatterns(
        INamedTypeSymbol type, int heads, int layers, int maxSeqLen, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var patterns = new List<PatternSpec> { PatternSpec.Dense };
        var layerPatterns = new int[layers];
        var claimedBy = new bool[layers];
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != SparseAttentionAttribute)
            {
                continue;
            }

            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            int kind = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int k ? k : -1;
            if (kind < (int)PatternKind.Dense || kind > (int)PatternKind.Layout)
            {
                continue; // not a SparsePattern value: the compiler already reports it
            }

            var named = attribute.NamedArguments.ToDictionary(a => a.Key, a => a.Value.Value);
            int Int(string name) => named.TryGetValue(name, out var value) && value is int i ? i : 0;
            bool Bool(string name) => named.TryGetValue(name, out var value) && value is true;
            string? layoutFile = named.TryGetValue("LayoutFile", out var file) ? file as string : null;

            var parameters = new PatternParameters
            {
                Kind = (PatternKind)kind, Window = Int("Window"), Stride = Int("Stride"), Summary = Int("Summary"),
                SplitHeads = Bool("SplitHeads"), PerHeadSummary = Bool("PerHeadSummary"), GlobalTokens = Int("GlobalTokens"),
                BlockSize = Int("BlockSize"), WindowBlocks = Int("WindowBlocks"), GlobalBlocks = Int("GlobalBlocks"),
                RandomBlocks = Int("RandomBlocks"), Seed = Int("Seed"),
            };

            int before = diagnostics.Count;
            foreach (var violation in PatternRules.Check(parameters, heads, maxSeqLen, named.Keys.ToList()))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(violation.Id), ArgumentLocation(syntax, violation.Field), violation.Message));
            }

            if (parameters.Kind == PatternKind.Layout && string.IsNullOrWhiteSpace(layoutFile))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveParameter, LocationInfo.From(syntax),
                    "the Layout pattern needs LayoutFile, the path of its layout file among the project's AdditionalFiles"));
            }

            string? layersText = named.TryGetValue("Layers", out var text) ? text as string : null;
            if (!LayerSelection.TryParse(layersText, layers, out var selected, out string? layerError))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadLayerList, ArgumentLocation(syntax, "Layers"), "Layers = \"" + layersText + "\": " + layerError));
                continue;
            }

            if (diagnostics.Skip(before).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
            {
                continue;
            }

            var spec = new PatternSpec(
                kind, parameters.Window, parameters.Stride, parameters.Summary, parameters.SplitHeads, parameters.PerHeadSummary,
                parameters.GlobalTokens, parameters.BlockSize, parameters.WindowBlocks, parameters.GlobalBlocks, parameters.RandomBlocks,
                parameters.Seed, layoutFile,
                parameters.Kind == PatternKind.Layout ? ArgumentLocation(syntax, "LayoutFile") : null,
                parameters.Kind == PatternKind.Layout && named.ContainsKey("BlockSize") ? ArgumentLocation(syntax, "BlockSize") : null,
                default);
            int index = IndexOf(patterns, spec);
            foreach (int layer in selected)
            {
                if (claimedBy[layer])
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerAssignedTwice, ArgumentLocation(syntax, "Layers"),
                        string.Format(CultureInfo.InvariantCulture, "layer {0} already has a pattern from another [SparseAttention]; each layer takes one", layer)));
                    break;
                }

                claimedBy[layer] = true;
                layerPatterns[layer] = index;
            }
        }

        // Keep the dense entry only when some layer is still dense; renumber the rest.
        if (claimedBy.All(c => c) && patterns.Count > 1)
        {
            patterns.RemoveAt(0);
            for (int layer = 0; layer < layers; layer++)
            {
                layerPatterns[layer]--;
            }
        }

        return (patterns, layerPatterns);
    }

    private static int IndexOf(List<PatternSpec> patterns, PatternSpec spec)
    {
        for (int i = 0; i < patterns.Count; i++)
        {
            if (SamePattern(patterns[i], spec))
            {
                return i;
            }
        }

        patterns.Add(spec);
        return patterns.Count - 1;
    }

    /// <summary>Equal patterns compile once, whatever attribute (and location) they came from.</summary>
    private static bool SamePattern(PatternSpec a, PatternSpec b) =>
        a with { LayoutFileLocation = null, BlockSizeLocation = null } == b with { LayoutFileLocation = null, BlockSizeLocation = null };

    /// <summary>Where the named argument <paramref name="field"/> is written, or the attribute itself when it is not.</summary>
    private static LocationInfo? ArgumentLocation(AttributeSyntax? attribute, string field)
    {
        var argument = attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == field);
        return LocationInfo.From(argument ?? (SyntaxNode?)attribute);
    }
}
