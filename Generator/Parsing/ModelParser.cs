using System.Collections.Generic;
using System.Linq;
using System.Threading;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Patterns;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Reads a <c>[TransformerModel]</c> class into a <see cref="ModelDeclaration"/>, then into a
/// <see cref="ModelSpec"/> through <see cref="ModelBuilder"/>. The only part of the generator that
/// touches Roslyn symbols and syntax; everything it returns is plain values.
/// </summary>
internal static class ModelParser
{
    private const string SparseAttentionAttribute = "KernelGen.SparseAttentionAttribute";

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var declaration = Declare(context, cancellationToken);

        // A shape from a config file waits for the file: the resolve step reads AdditionalFiles.
        return declaration.ConfigFile is null
            ? ModelBuilder.Build(declaration, config: null)
            : new ParseResult(null, default, declaration);
    }

    private static ModelDeclaration Declare(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
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
            .Select(a => new ArgumentInfo(a.Key, (int)a.Value.Value!, ArgumentLocation(attributeSyntax, a.Key)))
            .ToEquatableArray();
        string? configFile = attribute.NamedArguments.FirstOrDefault(a => a.Key == "ConfigFile").Value.Value as string;
        bool hasConfigFile = attribute.NamedArguments.Any(a => a.Key == "ConfigFile");

        var sparse = new List<SparseDeclaration>();
        foreach (var sparseAttribute in type.GetAttributes())
        {
            if (sparseAttribute.AttributeClass?.ToDisplayString() != SparseAttentionAttribute)
            {
                continue;
            }

            var syntax = sparseAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            int kind = sparseAttribute.ConstructorArguments.Length == 1 && sparseAttribute.ConstructorArguments[0].Value is int k ? k : -1;
            var named = sparseAttribute.NamedArguments.ToDictionary(a => a.Key, a => a.Value.Value);
            int Int(string name) => named.TryGetValue(name, out var value) && value is int i ? i : 0;
            bool Bool(string name) => named.TryGetValue(name, out var value) && value is true;
            var parameters = new PatternParameters
            {
                Kind = (SparsePattern)kind, Window = Int("Window"), Stride = Int("Stride"), BlockLength = Int("BlockLength"), Summary = Int("Summary"),
                SplitHeads = Bool("SplitHeads"), PerHeadSummary = Bool("PerHeadSummary"), GlobalTokens = Int("GlobalTokens"),
                BlockSize = Int("BlockSize"), WindowBlocks = Int("WindowBlocks"), GlobalBlocks = Int("GlobalBlocks"),
                RandomBlocks = Int("RandomBlocks"), Seed = Int("Seed"), TokenBudget = Int("TokenBudget"),
                LocalWindow = Int("LocalWindow"), SummaryPatterns = Int("SummaryPatterns"), SlidingWindowBlocks = Int("SlidingWindowBlocks"),
                GlobalBlockIndices = named.TryGetValue("GlobalBlockIndices", out var indices) ? indices as string : null,
                DifferentLayoutPerHead = Bool("DifferentLayoutPerHead"), RandomAmongAllBlocks = Bool("RandomAmongAllBlocks"),
            };
            sparse.Add(new SparseDeclaration(
                parameters,
                named.TryGetValue("LayoutFile", out var file) ? file as string : null,
                named.TryGetValue("Layers", out var text) ? text as string : null,
                named.Keys.Select(name => new ArgumentInfo(name, 0, ArgumentLocation(syntax, name))).ToEquatableArray(),
                LocationInfo.From(syntax)));
        }

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
        return new ModelDeclaration(
            ns, type.Name, diagnostics.ToEquatableArray(), arguments, LocationInfo.From(attributeSyntax),
            hasConfigFile ? configFile ?? string.Empty : null, hasConfigFile ? ArgumentLocation(attributeSyntax, "ConfigFile") : null,
            sparse.ToEquatableArray());
    }

    /// <summary>Where the named argument <paramref name="field"/> is written, or the attribute itself when it is not.</summary>
    private static LocationInfo? ArgumentLocation(AttributeSyntax? attribute, string field)
    {
        var argument = attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == field);
        return LocationInfo.From(argument ?? (SyntaxNode?)attribute);
    }
}
