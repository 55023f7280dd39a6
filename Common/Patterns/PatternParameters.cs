namespace KernelGen.Patterns;

/// <summary>
/// A pattern and its parameters, as plain values: what a <c>[SparseAttention]</c> attribute says,
/// and what the runtime's <c>AttentionPattern</c> holds. Unused parameters are 0. Compared by value,
/// so the generator's pipeline can cache the specs that hold it.
/// </summary>
internal sealed record PatternParameters
{
    public SparsePattern Kind { get; init; }

    public int Window { get; init; }

    /// <summary>Strided: the stride l.</summary>
    public int Stride { get; init; }

    /// <summary>Fixed: the block length l.</summary>
    public int BlockLength { get; init; }

    public int Summary { get; init; }

    public bool SplitHeads { get; init; }

    public bool PerHeadSummary { get; init; }

    public int GlobalTokens { get; init; }

    public int BlockSize { get; init; }

    /// <summary>QueryAware: most keys a decode query attends (sinks + window + selected blocks).</summary>
    public int TokenBudget { get; init; }

    public int WindowBlocks { get; init; }

    public int GlobalBlocks { get; init; }

    public int RandomBlocks { get; init; }

    public int Seed { get; init; }

    // Published forms (openai/sparse_attention, DeepSpeed, the Sparse Transformer paper). Each is 0,
    // false or null unless written, and then the pattern is exactly what it was before they existed.

    /// <summary>Strided: keys in the local band, the query's own included; 0: <see cref="Stride"/> (openai's local(l)); the paper's A(1) is l + 1.</summary>
    public int LocalWindow { get; init; }

    /// <summary>Fixed: P, how many summary slices the heads cycle through (head h: h mod P); 0: l/c with PerHeadSummary, else 1.</summary>
    public int SummaryPatterns { get; init; }

    /// <summary>BigBird: DeepSpeed's num_sliding_window_blocks (symmetric, nsw/2 blocks each side, then causal); 0: WindowBlocks counts.</summary>
    public int SlidingWindowBlocks { get; init; }

    /// <summary>BigBird: global blocks at given indices, such as "0,10" or "0-1,10"; null: only the first GlobalBlocks.</summary>
    public string? GlobalBlockIndices { get; init; }

    /// <summary>BigBird: one random table per head (DeepSpeed's different_layout_per_head).</summary>
    public bool DifferentLayoutPerHead { get; init; }

    /// <summary>BigBird: random blocks drawn from every block up to the diagonal, as DeepSpeed does, not only from blocks not yet attended.</summary>
    public bool RandomAmongAllBlocks { get; init; }
}
