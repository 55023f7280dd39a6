using KernelGen.Validation;
using Microsoft.CodeAnalysis;

namespace KernelGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. IDs are grouped: KG0001–KG0009 model shape,
/// KG0010–KG0019 the annotated class, KG0020–KG0039 sparsity patterns, KG0040–KG0049 files read
/// at compile time, KG09xx information.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string ShapeCategory = "KernelGen.Shape";
    private const string DeclarationCategory = "KernelGen.Declaration";
    private const string InfoCategory = "KernelGen.Info";

    // Shape rules: the message is the shared rule's own sentence (Common/Validation/ShapeRules.cs).
    public static readonly DiagnosticDescriptor NonPositiveSize = Shape(ShapeRules.NonPositiveSize, "Model size must be positive");
    public static readonly DiagnosticDescriptor DimNotDivisibleByHeads = Shape(ShapeRules.DimNotDivisibleByHeads, "Dim must be a multiple of Heads");
    public static readonly DiagnosticDescriptor HeadsNotDivisibleByKvHeads = Shape(ShapeRules.HeadsNotDivisibleByKvHeads, "Heads must be a multiple of KvHeads");
    public static readonly DiagnosticDescriptor OddHeadDim = Shape(ShapeRules.OddHeadDim, "Head dimension must be even");
    public static readonly DiagnosticDescriptor MaxSeqLenOutOfRange = Shape(ShapeRules.MaxSeqLenOutOfRange, "MaxSeqLen is out of range");
    public static readonly DiagnosticDescriptor HeadDimOutOfRange = Shape(ShapeRules.HeadDimOutOfRange, "Head dimension is out of range");

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "KG0010", "Model class must be partial",
        "'{0}' must be declared partial so KernelGen can add its kernels to it",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassNested = new(
        "KG0011", "Model class must not be nested",
        "'{0}' is nested inside '{1}'; declare the model class at namespace level so KernelGen can extend it",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassGeneric = new(
        "KG0012", "Model class must not be generic",
        "'{0}' has type parameters; kernels are specialized to one shape, so the model class cannot be generic",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericFallback = new(
        "KG0900", "Shape runs on the generic kernels",
        "'{0}' is valid but is not specialized: {1}; its CreateKernels() returns the runtime's generic kernels",
        InfoCategory, DiagnosticSeverity.Info, isEnabledByDefault: true);

    /// <summary>The descriptor for a shared shape rule's ID.</summary>
    public static DiagnosticDescriptor ForRule(string ruleId) => ruleId switch
    {
        ShapeRules.NonPositiveSize => NonPositiveSize,
        ShapeRules.DimNotDivisibleByHeads => DimNotDivisibleByHeads,
        ShapeRules.HeadsNotDivisibleByKvHeads => HeadsNotDivisibleByKvHeads,
        ShapeRules.OddHeadDim => OddHeadDim,
        ShapeRules.MaxSeqLenOutOfRange => MaxSeqLenOutOfRange,
        ShapeRules.HeadDimOutOfRange => HeadDimOutOfRange,
        _ => throw new System.ArgumentOutOfRangeException(nameof(ruleId), ruleId, "No descriptor for this rule."),
    };

    private static DiagnosticDescriptor Shape(string id, string title) =>
        new(id, title, "{0}", ShapeCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
