using KernelGen.Configuration;
using KernelGen.Patterns;
using KernelGen.Validation;
using Microsoft.CodeAnalysis;

namespace KernelGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. IDs are grouped: KG0001–KG0009 model shape,
/// KG0010–KG0019 the annotated class, KG0020–KG0039 sparsity patterns, KG0040–KG0059 files read
/// at compile time and the limits on what is built from them (KG0050–KG0053), KG09xx information.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string ShapeCategory = "KernelGen.Shape";
    private const string DeclarationCategory = "KernelGen.Declaration";
    private const string InfoCategory = "KernelGen.Info";
    private const string PatternCategory = "KernelGen.Pattern";
    private const string FileCategory = "KernelGen.File";

    // Shape rules: the message is the shared rule's own sentence (Common/Validation/ShapeRules.cs).
    public static readonly DiagnosticDescriptor NonPositiveSize = Shape(ShapeRules.NonPositiveSize, "Model size must be positive");
    public static readonly DiagnosticDescriptor DimNotDivisibleByHeads = Shape(ShapeRules.DimNotDivisibleByHeads, "Dim must be a multiple of Heads");
    public static readonly DiagnosticDescriptor HeadsNotDivisibleByKvHeads = Shape(ShapeRules.HeadsNotDivisibleByKvHeads, "Heads must be a multiple of KvHeads");
    public static readonly DiagnosticDescriptor OddHeadDim = Shape(ShapeRules.OddHeadDim, "Head dimension must be even");
    public static readonly DiagnosticDescriptor MaxSeqLenOutOfRange = Shape(ShapeRules.MaxSeqLenOutOfRange, "MaxSeqLen is out of range");
    public static readonly DiagnosticDescriptor HeadDimOutOfRange = Shape(ShapeRules.HeadDimOutOfRange, "Head dimension is out of range");

    // Pattern rules (Common/Validation/PatternRules.cs).
    public static readonly DiagnosticDescriptor NonPositiveParameter = Pattern(PatternRules.NonPositiveParameter, "Pattern parameter must be positive");
    public static readonly DiagnosticDescriptor ParameterTooLarge = Pattern(PatternRules.ParameterTooLarge, "Pattern parameter is longer than the context");
    public static readonly DiagnosticDescriptor SummaryWiderThanBlock = Pattern(PatternRules.SummaryWiderThanBlock, "Summary is wider than its block");
    public static readonly DiagnosticDescriptor BadLayerList = Pattern(PatternRules.BadLayerList, "Layer list is invalid");
    public static readonly DiagnosticDescriptor LayerAssignedTwice = Pattern(PatternRules.LayerAssignedTwice, "Layer has two patterns");
    public static readonly DiagnosticDescriptor ParameterDoesNotApply = new(
        PatternRules.ParameterDoesNotApply, "Pattern parameter does not apply", "{0}", PatternCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor SplitHeadsNeedTwoHeads = Pattern(PatternRules.SplitHeadsNeedTwoHeads, "SplitHeads needs two heads");
    public static readonly DiagnosticDescriptor PerHeadSummaryNeedsWholeSlices = Pattern(PatternRules.PerHeadSummaryNeedsWholeSlices, "PerHeadSummary needs BlockLength to be a multiple of Summary");
    public static readonly DiagnosticDescriptor LocalWindowOverlapsStride = Pattern(PatternRules.LocalWindowOverlapsStride, "Strided's LocalWindow overlaps the strided keys");
    public static readonly DiagnosticDescriptor SummaryPatternsExceedBlock = Pattern(PatternRules.SummaryPatternsExceedBlock, "Fixed's SummaryPatterns do not fit in one block");
    public static readonly DiagnosticDescriptor TwoWindowCounts = Pattern(PatternRules.TwoWindowCounts, "BigBird has both WindowBlocks and SlidingWindowBlocks");
    public static readonly DiagnosticDescriptor RandomOptionWithoutRandomBlocks = new(
        PatternRules.RandomOptionWithoutRandomBlocks, "BigBird random option without RandomBlocks", "{0}", PatternCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor BadGlobalBlockIndices = Pattern(PatternRules.BadGlobalBlockIndices, "BigBird's GlobalBlockIndices are malformed or out of range");
    public static readonly DiagnosticDescriptor BudgetLeavesNoBlock = Pattern(PatternRules.BudgetLeavesNoBlock, "QueryAware's TokenBudget leaves no room for a block beside its sinks and window");
    public static readonly DiagnosticDescriptor WindowNotWholeBlocks = Pattern(PatternRules.WindowNotWholeBlocks, "QueryAware's Window is not a multiple of its BlockSize");

    // Layout files (Common/Patterns/LayoutFile.cs).
    public static readonly DiagnosticDescriptor LayoutFileMissing = File(LayoutFile.FileMissing, "Layout file not found");
    public static readonly DiagnosticDescriptor LayoutFileMalformed = File(LayoutFile.Malformed, "Layout file is malformed");
    public static readonly DiagnosticDescriptor LayoutWrongSize = File(LayoutFile.WrongSize, "Layout does not fit MaxSeqLen");
    public static readonly DiagnosticDescriptor LayoutNotLowerTriangular = File(LayoutFile.NotLowerTriangular, "Layout is not lower-triangular");
    public static readonly DiagnosticDescriptor LayoutDiagonalMissing = File(LayoutFile.DiagonalMissing, "Layout leaves a diagonal block out");
    public static readonly DiagnosticDescriptor LayoutWrongHeadCount = File(LayoutFile.WrongHeadCount, "Layout has the wrong number of heads");
    public static readonly DiagnosticDescriptor LayoutBlockSizeMismatch = File(PatternRules.LayoutBlockSizeMismatch, "Layout block size differs from BlockSize");

    // Model config files (Common/Configuration/HuggingFaceConfig.cs).
    public static readonly DiagnosticDescriptor ConfigFileMissing = File(HuggingFaceConfig.FileMissing, "Config file not found");
    public static readonly DiagnosticDescriptor ConfigFileMalformed = File(HuggingFaceConfig.Malformed, "Config file is malformed");
    public static readonly DiagnosticDescriptor ConfigContradiction = File(HuggingFaceConfig.ContradictsAttribute, "Attribute argument contradicts the config file");

    // Budgets (Generator/Parsing/GeneratorBudgets.cs): what the generator will build and emit.
    public static readonly DiagnosticDescriptor TooManyLayers = File("KG0050", "Model has more layers than KernelGen generates");
    public static readonly DiagnosticDescriptor BlockTableTooLarge = File(LayoutFile.TooLarge, "Block table is larger than KernelGen builds");
    public static readonly DiagnosticDescriptor EmittedSourceTooLarge = File("KG0052", "Generated source is larger than KernelGen writes");
    public static readonly DiagnosticDescriptor GeneratorFailed = File("KG0053", "The generator failed");

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

    public static readonly DiagnosticDescriptor UnknownKvCacheFormat = new(
        "KG0013", "KvCache is not a KV cache format",
        "KvCache = {0} is not a KvCacheFormat; use Float32, BFloat16, Float16 or Int8",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericFallback = new(
        "KG0900", "Shape runs on the generic kernels",
        "'{0}' is valid but is not specialized: {1}; its CreateKernels() returns the runtime's generic kernels",
        InfoCategory, DiagnosticSeverity.Info, isEnabledByDefault: true);

    /// <summary>The descriptor for a shared rule's ID.</summary>
    public static DiagnosticDescriptor ForRule(string ruleId) => ruleId switch
    {
        ShapeRules.NonPositiveSize => NonPositiveSize,
        ShapeRules.DimNotDivisibleByHeads => DimNotDivisibleByHeads,
        ShapeRules.HeadsNotDivisibleByKvHeads => HeadsNotDivisibleByKvHeads,
        ShapeRules.OddHeadDim => OddHeadDim,
        ShapeRules.MaxSeqLenOutOfRange => MaxSeqLenOutOfRange,
        ShapeRules.HeadDimOutOfRange => HeadDimOutOfRange,
        PatternRules.NonPositiveParameter => NonPositiveParameter,
        PatternRules.ParameterTooLarge => ParameterTooLarge,
        PatternRules.SummaryWiderThanBlock => SummaryWiderThanBlock,
        PatternRules.BadLayerList => BadLayerList,
        PatternRules.LayerAssignedTwice => LayerAssignedTwice,
        PatternRules.ParameterDoesNotApply => ParameterDoesNotApply,
        PatternRules.SplitHeadsNeedTwoHeads => SplitHeadsNeedTwoHeads,
        PatternRules.PerHeadSummaryNeedsWholeSlices => PerHeadSummaryNeedsWholeSlices,
        PatternRules.LocalWindowOverlapsStride => LocalWindowOverlapsStride,
        PatternRules.SummaryPatternsExceedBlock => SummaryPatternsExceedBlock,
        PatternRules.TwoWindowCounts => TwoWindowCounts,
        PatternRules.BadGlobalBlockIndices => BadGlobalBlockIndices,
        PatternRules.RandomOptionWithoutRandomBlocks => RandomOptionWithoutRandomBlocks,
        PatternRules.BudgetLeavesNoBlock => BudgetLeavesNoBlock,
        PatternRules.WindowNotWholeBlocks => WindowNotWholeBlocks,
        PatternRules.LayoutBlockSizeMismatch => LayoutBlockSizeMismatch,
        LayoutFile.FileMissing => LayoutFileMissing,
        LayoutFile.Malformed => LayoutFileMalformed,
        LayoutFile.WrongSize => LayoutWrongSize,
        LayoutFile.NotLowerTriangular => LayoutNotLowerTriangular,
        LayoutFile.DiagonalMissing => LayoutDiagonalMissing,
        LayoutFile.WrongHeadCount => LayoutWrongHeadCount,
        LayoutFile.TooLarge => BlockTableTooLarge,
        HuggingFaceConfig.FileMissing => ConfigFileMissing,
        HuggingFaceConfig.Malformed => ConfigFileMalformed,
        HuggingFaceConfig.ContradictsAttribute => ConfigContradiction,
        _ => throw new System.ArgumentOutOfRangeException(nameof(ruleId), ruleId, "No descriptor for this rule."),
    };

    private static DiagnosticDescriptor Pattern(string id, string title) =>
        new(id, title, "{0}", PatternCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor File(string id, string title) =>
        new(id, title, "{0}", FileCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Shape(string id, string title) =>
        new(id, title, "{0}", ShapeCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
