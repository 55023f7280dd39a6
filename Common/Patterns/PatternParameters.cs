namespace KernelGen.Patterns;

/// <summary>
/// A pattern and its parameters, as plain values: what a <c>[SparseAttention]</c> attribute says,
/// and what the runtime's <c>AttentionPattern</c> holds. Unused parameters are 0. Compared by value,
/// so the generator's pipeline can cache the specs that hold it.
/// </summary>
internal sealed record PatternParameters
{
    public PatternKind Kind { get; init; }

    public int Window { get; init; }

    public int Stride { get; init; }

    public int Summary { get; init; }

    public bool SplitHeads { get; init; }

    public bool PerHeadSummary { get; init; }

    public int GlobalTokens { get; init; }

    public int BlockSize { get; init; }

    public int WindowBlocks { get; init; }

    public int GlobalBlocks { get; init; }

    public int RandomBlocks { get; init; }

    public int Seed { get; init; }
}
