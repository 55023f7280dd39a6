using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
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

        string? fallback = null;
        int headDim = dim / heads;
        if (headDim > MaxSpecializedHeadDim)
        {
            fallback = string.Format(CultureInfo.InvariantCulture,
                "head_dim {0} is larger than {1}, the largest the generator unrolls", headDim, MaxSpecializedHeadDim);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericFallback, LocationInfo.From(attributeSyntax), type.Name, fallback));
        }

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
        var spec = new ModelSpec(ns, type.Name, dim, layers, heads, kvHeads, Get("HiddenDim"), Get("Vocab"), maxSeqLen, fallback);
        return new ParseResult(spec, diagnostics.ToEquatableArray());
    }

    /// <summary>Where the named argument <paramref name="field"/> is written, or the attribute itself when it is not.</summary>
    private static LocationInfo? ArgumentLocation(AttributeSyntax? attribute, string field)
    {
        var argument = attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == field);
        return LocationInfo.From(argument ?? (SyntaxNode?)attribute);
    }
}
