using System;
using System.Collections.Generic;

namespace KernelGen.Patterns;

/// <summary>
/// How a pattern splits into components, and which query heads share a key set ("head classes").
/// The one place that decomposes patterns: the generator emits code from it and the runtime's
/// generic kernels run it. The reference kernel does not use it; it reads the pattern's
/// definition directly.
/// </summary>
internal static class PatternLayout
{
    /// <summary>Number of head classes: groups of query heads that attend the same keys.</summary>
    public static int HeadClassCount(PatternParameters pattern, int heads, int layoutTables) => pattern.Kind switch
    {
        SparsePattern.Strided when pattern.SplitHeads => 2,
        SparsePattern.Fixed => Math.Min(heads, PublishedForms.SummaryPatterns(pattern)),
        SparsePattern.BigBird when pattern.DifferentLayoutPerHead => heads,
        SparsePattern.Layout => layoutTables,
        _ => 1,
    };

    /// <summary>The head class of query head <paramref name="head"/>.</summary>
    public static int HeadClass(PatternParameters pattern, int head, int heads, int layoutTables) => pattern.Kind switch
    {
        // Split strided: the first half of the heads are local, the second half strided.
        SparsePattern.Strided when pattern.SplitHeads => head < heads / 2 ? 0 : 1,
        // Fixed: head h uses summary slice h mod P (openai's num_verts, DeepSpeed's num_different_global_patterns).
        SparsePattern.Fixed => head % PublishedForms.SummaryPatterns(pattern),
        SparsePattern.BigBird when pattern.DifferentLayoutPerHead => head,
        SparsePattern.Layout => layoutTables == 1 ? 0 : head,
        _ => 0,
    };

    /// <summary>The disjoint components whose union is head class <paramref name="headClass"/>'s key set.</summary>
    public static List<PatternComponent> Components(PatternParameters pattern, int headClass)
    {
        var components = new List<PatternComponent>(2);
        int l = pattern.Kind == SparsePattern.Fixed ? pattern.BlockLength : pattern.Stride;
        switch (pattern.Kind)
        {
            case SparsePattern.Dense:
            case SparsePattern.QueryAware:
                // QueryAware's decode keys depend on the query and the cache's key bounds: the
                // engine selects them (AttentionEngine.QueryAware). As a fixed pattern it is dense
                // causal, which is what its prefill runs (as Quest does).
                components.Add(PatternComponent.Band(0, int.MaxValue));
                break;
            case SparsePattern.SlidingWindow:
                components.Add(PatternComponent.Band(0, pattern.Window));
                break;
            case SparsePattern.Strided when pattern.SplitHeads && headClass == 0:
                components.Add(PatternComponent.Band(0, PublishedForms.LocalWindow(pattern)));
                break;
            case SparsePattern.Strided when pattern.SplitHeads:
                // (i − j) mod l = 0: the query itself (m = 0) and every l-th key before it.
                components.Add(PatternComponent.Band(0, 1));
                components.Add(PatternComponent.Stride(l));
                break;
            case SparsePattern.Strided:
                // The local band already holds i − j < l; the strided keys add i − j = m·l, m ≥ 1.
                // A band of l + 1 (the paper's A(1)) adds i − j = l, already strided: the same set.
                components.Add(PatternComponent.Band(0, Math.Min(PublishedForms.LocalWindow(pattern), l)));
                components.Add(PatternComponent.Stride(l));
                break;
            case SparsePattern.Fixed:
            {
                int c = pattern.Summary;
                int shift = headClass * c; // head class k is summary slice k (only slice 0 without per-head summaries)
                components.Add(PatternComponent.SameBlock(l));
                components.Add(PatternComponent.Columns(l, l - c - shift, c));
                break;
            }

            case SparsePattern.Global:
                components.Add(PatternComponent.Band(0, pattern.Window));
                components.Add(PatternComponent.Prefix(pattern.GlobalTokens, pattern.Window));
                break;
            case SparsePattern.BigBird:
            case SparsePattern.Layout:
                components.Add(PatternComponent.Blocks(pattern.BlockSize));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(pattern), pattern.Kind, "Unknown pattern.");
        }

        return components;
    }

    /// <summary>
    /// The query block length the pattern is built on (0 when it has none): prefill tiles never
    /// cross a multiple of it, so every row of a tile sees the same blocks.
    /// </summary>
    public static int BlockLength(PatternParameters pattern) => pattern.Kind switch
    {
        SparsePattern.Fixed => pattern.BlockLength,
        SparsePattern.BigBird or SparsePattern.Layout => pattern.BlockSize,
        _ => 0,
    };

    /// <summary>True when a layer with this pattern keeps a rolling KV cache (its keys never reach further back than a window plus sinks).</summary>
    public static bool IsRolling(PatternParameters pattern) =>
        pattern.Kind is SparsePattern.SlidingWindow or SparsePattern.Global;
}
