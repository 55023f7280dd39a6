using System.Collections.Generic;
using KernelGen.Patterns;

namespace KernelGen.Validation;

/// <summary>
/// The rules a sparsity pattern's parameters must satisfy; shared by the generator (compile errors on
/// the <c>[SparseAttention]</c> argument) and the runtime (exceptions for a pattern built in code).
/// </summary>
internal static class PatternRules
{
    /// <summary>KG0020: a parameter the pattern needs is missing, zero or negative.</summary>
    public const string NonPositiveParameter = "KG0020";

    /// <summary>KG0021: a stride, window or block longer than the context.</summary>
    public const string ParameterTooLarge = "KG0021";

    /// <summary>KG0022: Fixed's summary is wider than its block.</summary>
    public const string SummaryWiderThanBlock = "KG0022";

    /// <summary>KG0023: the layer list cannot be read or names a layer that does not exist.</summary>
    public const string BadLayerList = "KG0023";

    /// <summary>KG0024: two patterns claim the same layer.</summary>
    public const string LayerAssignedTwice = "KG0024";

    /// <summary>KG0025 (warning): a parameter that the pattern does not use.</summary>
    public const string ParameterDoesNotApply = "KG0025";

    /// <summary>KG0026: split heads need at least two heads.</summary>
    public const string SplitHeadsNeedTwoHeads = "KG0026";

    /// <summary>KG0027: per-head summaries need the block to be a whole number of summaries.</summary>
    public const string PerHeadSummaryNeedsWholeSlices = "KG0027";

    /// <summary>KG0028: a merged Strided band wider than Stride + 1 would overlap the strided keys.</summary>
    public const string LocalWindowOverlapsStride = "KG0028";

    /// <summary>KG0029: Fixed's SummaryPatterns slices of Summary keys do not fit in one block.</summary>
    public const string SummaryPatternsExceedBlock = "KG0029";

    /// <summary>KG0030: BigBird given both WindowBlocks (causal count) and SlidingWindowBlocks (DeepSpeed's symmetric count).</summary>
    public const string TwoWindowCounts = "KG0030";

    /// <summary>KG0031: BigBird's GlobalBlockIndices cannot be read or name a block the context does not have.</summary>
    public const string BadGlobalBlockIndices = "KG0031";

    /// <summary>KG0032 (warning, compile time only): a BigBird random-table option written without RandomBlocks, which then changes nothing.</summary>
    public const string RandomOptionWithoutRandomBlocks = "KG0032";

    /// <summary>KG0033: QueryAware's TokenBudget leaves no room for a selected block beside its sinks and window.</summary>
    public const string BudgetLeavesNoBlock = "KG0033";

    /// <summary>KG0034: QueryAware's Window is not a whole number of blocks.</summary>
    public const string WindowNotWholeBlocks = "KG0034";

    /// <summary>KG0046: the attribute's BlockSize and the layout file's block size differ.</summary>
    public const string LayoutBlockSizeMismatch = "KG0046";

    /// <summary>The parameters each pattern reads; any other that is set earns a KG0025 warning.</summary>
    public static string[] ParametersOf(SparsePattern kind) => kind switch
    {
        SparsePattern.Dense => new string[0],
        SparsePattern.SlidingWindow => new[] { "Window" },
        SparsePattern.Strided => new[] { "Stride", "SplitHeads", "LocalWindow" },
        SparsePattern.Fixed => new[] { "BlockLength", "Summary", "PerHeadSummary", "SummaryPatterns" },
        SparsePattern.Global => new[] { "Window", "GlobalTokens" },
        SparsePattern.BigBird => new[]
        {
            "BlockSize", "WindowBlocks", "GlobalBlocks", "RandomBlocks", "Seed",
            "SlidingWindowBlocks", "GlobalBlockIndices", "DifferentLayoutPerHead", "RandomAmongAllBlocks",
        },
        SparsePattern.Layout => new[] { "BlockSize", "LayoutFile" },
        SparsePattern.QueryAware => new[] { "BlockSize", "TokenBudget", "GlobalTokens", "Window" },
        _ => new string[0],
    };

    /// <summary>Checks a pattern's parameters for a model with the given heads and context.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="heads">Query heads of the model.</param>
    /// <param name="maxSeqLen">The model's context length.</param>
    /// <param name="given">Names of the parameters the user wrote, for the KG0025 check; null to skip it.</param>
    public static List<RuleViolation> Check(PatternParameters pattern, int heads, int maxSeqLen, ICollection<string>? given = null)
    {
        var violations = new List<RuleViolation>();
        string name = pattern.Kind.ToString();
        bool Given(string field, int value) => value != 0 || (given?.Contains(field) ?? false);
        switch (pattern.Kind)
        {
            case SparsePattern.SlidingWindow:
                Length(violations, name, "Window", pattern.Window, maxSeqLen);
                break;
            case SparsePattern.Strided:
                Length(violations, name, "Stride", pattern.Stride, maxSeqLen);
                if (pattern.SplitHeads && heads < 2)
                {
                    violations.Add(new RuleViolation(SplitHeadsNeedTwoHeads, "SplitHeads",
                        ShapeRules.Format("Strided with SplitHeads gives half the heads the local band and half the strided keys, but the model has {0} head", heads)));
                }

                if (Given("LocalWindow", pattern.LocalWindow))
                {
                    Length(violations, name, "LocalWindow", pattern.LocalWindow, maxSeqLen);
                    if (!pattern.SplitHeads && pattern.Stride > 0 && pattern.LocalWindow > pattern.Stride + 1)
                    {
                        violations.Add(new RuleViolation(LocalWindowOverlapsStride, "LocalWindow",
                            ShapeRules.Format("LocalWindow ({0}) is wider than Stride + 1 ({1}): with merged heads the band would hold strided keys twice; use SplitHeads, or a band of at most Stride + 1", pattern.LocalWindow, pattern.Stride + 1)));
                    }
                }

                break;
            case SparsePattern.Fixed:
                Length(violations, name, "BlockLength", pattern.BlockLength, maxSeqLen);
                Positive(violations, name, "Summary", pattern.Summary);
                if (pattern.Summary > 0 && pattern.BlockLength > 0 && pattern.Summary > pattern.BlockLength)
                {
                    violations.Add(new RuleViolation(SummaryWiderThanBlock, "Summary",
                        ShapeRules.Format("Summary ({0}) is wider than its block (BlockLength {1}): a block cannot have more summary keys than keys", pattern.Summary, pattern.BlockLength)));
                }
                else if (Given("SummaryPatterns", pattern.SummaryPatterns))
                {
                    if (Positive(violations, name, "SummaryPatterns", pattern.SummaryPatterns) && pattern.Summary > 0 && pattern.BlockLength > 0
                        && (long)pattern.SummaryPatterns * pattern.Summary > pattern.BlockLength)
                    {
                        violations.Add(new RuleViolation(SummaryPatternsExceedBlock, "SummaryPatterns",
                            ShapeRules.Format("SummaryPatterns ({0}) slices of Summary {1} need {2} keys, but a block (BlockLength) has {3}: at most {4} patterns fit", pattern.SummaryPatterns, pattern.Summary, (long)pattern.SummaryPatterns * pattern.Summary, pattern.BlockLength, pattern.BlockLength / pattern.Summary)));
                    }
                }
                else if (pattern.PerHeadSummary && pattern.Summary > 0 && pattern.BlockLength > 0 && pattern.BlockLength % pattern.Summary != 0)
                {
                    violations.Add(new RuleViolation(PerHeadSummaryNeedsWholeSlices, "PerHeadSummary",
                        ShapeRules.Format("PerHeadSummary cuts each block of {0} into slices of Summary {1}, so BlockLength must be a multiple of Summary", pattern.BlockLength, pattern.Summary)));
                }

                break;
            case SparsePattern.Global:
                Length(violations, name, "Window", pattern.Window, maxSeqLen);
                Length(violations, name, "GlobalTokens", pattern.GlobalTokens, maxSeqLen);
                break;
            case SparsePattern.BigBird:
                Length(violations, name, "BlockSize", pattern.BlockSize, maxSeqLen);
                if (!Given("SlidingWindowBlocks", pattern.SlidingWindowBlocks))
                {
                    Positive(violations, name, "WindowBlocks", pattern.WindowBlocks);
                }
                else if (Given("WindowBlocks", pattern.WindowBlocks))
                {
                    violations.Add(new RuleViolation(TwoWindowCounts, "SlidingWindowBlocks",
                        ShapeRules.Format("BigBird takes WindowBlocks (causal blocks, the query's own included) or SlidingWindowBlocks (DeepSpeed's symmetric num_sliding_window_blocks), not both; SlidingWindowBlocks = {0} is WindowBlocks = {1}", pattern.SlidingWindowBlocks, pattern.SlidingWindowBlocks / 2 + 1)));
                }
                else
                {
                    Positive(violations, name, "SlidingWindowBlocks", pattern.SlidingWindowBlocks);
                }

                NotNegative(violations, name, "GlobalBlocks", pattern.GlobalBlocks);
                NotNegative(violations, name, "RandomBlocks", pattern.RandomBlocks);
                GlobalIndices(violations, pattern, maxSeqLen, given);
                if (given is not null && pattern.RandomBlocks == 0)
                {
                    foreach (string option in new[] { "DifferentLayoutPerHead", "RandomAmongAllBlocks" })
                    {
                        if (given.Contains(option) && (option == "DifferentLayoutPerHead" ? pattern.DifferentLayoutPerHead : pattern.RandomAmongAllBlocks))
                        {
                            violations.Add(new RuleViolation(RandomOptionWithoutRandomBlocks, option,
                                ShapeRules.Format("{0} shapes the random blocks, but RandomBlocks is 0: every head attends the same blocks{1}", option,
                                    option == "DifferentLayoutPerHead" ? " (each still gets its own copy of the table)" : "")));
                        }
                    }
                }

                break;
            case SparsePattern.QueryAware:
                QueryAware(violations, name, pattern, maxSeqLen);
                break;
            case SparsePattern.Layout:
                if (pattern.BlockSize != 0 || (given?.Contains("BlockSize") ?? false))
                {
                    Length(violations, name, "BlockSize", pattern.BlockSize, maxSeqLen);
                }

                break;
        }

        if (given is not null)
        {
            var applies = new HashSet<string>(ParametersOf(pattern.Kind)) { "Layers" };
            foreach (string parameter in given)
            {
                if (!applies.Contains(parameter))
                {
                    violations.Add(new RuleViolation(ParameterDoesNotApply, parameter, pattern.Kind == SparsePattern.Fixed && parameter == "Stride"
                        ? "Stride does not apply to the Fixed pattern and is ignored: Fixed takes BlockLength (the block length l); Stride is Strided's"
                        : ShapeRules.Format("{0} does not apply to the {1} pattern and is ignored", parameter, name)));
                }
            }
        }

        return violations;
    }

    private static void GlobalIndices(List<RuleViolation> violations, PatternParameters pattern, int maxSeqLen, ICollection<string>? given)
    {
        if (pattern.GlobalBlockIndices is null && !(given?.Contains("GlobalBlockIndices") ?? false))
        {
            return;
        }

        if (!PublishedForms.TryParseBlockIndices(pattern.GlobalBlockIndices, out var indices, out string? error))
        {
            violations.Add(new RuleViolation(BadGlobalBlockIndices, "GlobalBlockIndices", "GlobalBlockIndices = \"" + pattern.GlobalBlockIndices + "\": " + error));
        }
        else if (indices.Length == 0)
        {
            violations.Add(new RuleViolation(BadGlobalBlockIndices, "GlobalBlockIndices", "GlobalBlockIndices is empty: list the global blocks, such as \"0,10\", or leave it out"));
        }
        else if (pattern.BlockSize > 0 && maxSeqLen < int.MaxValue)
        {
            int blocks = (maxSeqLen + pattern.BlockSize - 1) / pattern.BlockSize;
            if (indices[indices.Length - 1] >= blocks)
            {
                violations.Add(new RuleViolation(BadGlobalBlockIndices, "GlobalBlockIndices",
                    ShapeRules.Format("global block {0} does not exist: MaxSeqLen {1} in blocks of {2} has blocks 0 to {3}", indices[indices.Length - 1], maxSeqLen, pattern.BlockSize, blocks - 1)));
            }
        }
    }

    private static void QueryAware(List<RuleViolation> violations, string name, PatternParameters pattern, int maxSeqLen)
    {
        bool block = Length(violations, name, "BlockSize", pattern.BlockSize, maxSeqLen);
        bool window = Length(violations, name, "Window", pattern.Window, maxSeqLen);
        bool budget = Length(violations, name, "TokenBudget", pattern.TokenBudget, maxSeqLen);
        NotNegative(violations, name, "GlobalTokens", pattern.GlobalTokens);
        if (block && window && pattern.Window % pattern.BlockSize != 0)
        {
            violations.Add(new RuleViolation(WindowNotWholeBlocks, "Window",
                ShapeRules.Format("Window ({0}) is not a multiple of BlockSize ({1}): the recent keys must end where a selectable block begins; use {2} or {3}",
                    pattern.Window, pattern.BlockSize, pattern.Window / pattern.BlockSize * pattern.BlockSize, (pattern.Window / pattern.BlockSize + 1) * pattern.BlockSize)));
        }

        long fixedKeys = (long)pattern.GlobalTokens + pattern.Window;
        if (block && window && budget && pattern.GlobalTokens >= 0 && pattern.TokenBudget < fixedKeys + pattern.BlockSize)
        {
            violations.Add(new RuleViolation(BudgetLeavesNoBlock, "TokenBudget",
                ShapeRules.Format("TokenBudget ({0}) leaves no room for a selected block: GlobalTokens {1} + Window {2} + one block of {3} need at least {4}",
                    pattern.TokenBudget, pattern.GlobalTokens, pattern.Window, pattern.BlockSize, fixedKeys + pattern.BlockSize)));
        }
    }

    private static bool Length(List<RuleViolation> violations, string pattern, string field, int value, int maxSeqLen)
    {
        if (Positive(violations, pattern, field, value) && value > maxSeqLen)
        {
            violations.Add(new RuleViolation(ParameterTooLarge, field,
                ShapeRules.Format("{0} ({1}) is longer than MaxSeqLen ({2}), so no sequence could ever use it", field, value, maxSeqLen)));
            return false;
        }

        return value > 0;
    }

    private static bool Positive(List<RuleViolation> violations, string pattern, string field, int value)
    {
        if (value > 0)
        {
            return true;
        }

        violations.Add(new RuleViolation(NonPositiveParameter, field,
            ShapeRules.Format("the {0} pattern needs a positive {1}, but it is {2}", pattern, field, value)));
        return false;
    }

    private static void NotNegative(List<RuleViolation> violations, string pattern, string field, int value)
    {
        if (value < 0)
        {
            violations.Add(new RuleViolation(NonPositiveParameter, field,
                ShapeRules.Format("the {0} pattern needs {1} of 0 or more, but it is {2}", pattern, field, value)));
        }
    }
}
