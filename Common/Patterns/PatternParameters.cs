using System;

namespace KernelGen.Patterns;

/// <summary>
/// A pattern and its parameters, as plain values: what a <c>[SparseAttention]</c> attribute says,
/// and what the runtime's <c>AttentionPattern</c> holds. Unused parameters are 0.
/// </summary>
internal sealed class PatternParameters : IEquatable<PatternParameters>
{
    public PatternKind Kind { get; set; }

    public int Window { get; set; }

    public int Stride { get; set; }

    public int Summary { get; set; }

    public bool SplitHeads { get; set; }

    public bool PerHeadSummary { get; set; }

    public int GlobalTokens { get; set; }

    public int BlockSize { get; set; }

    public int WindowBlocks { get; set; }

    public int GlobalBlocks { get; set; }

    public int RandomBlocks { get; set; }

    public int Seed { get; set; }

    public bool Equals(PatternParameters? other) =>
        other is not null && Kind == other.Kind && Window == other.Window && Stride == other.Stride && Summary == other.Summary
        && SplitHeads == other.SplitHeads && PerHeadSummary == other.PerHeadSummary && GlobalTokens == other.GlobalTokens
        && BlockSize == other.BlockSize && WindowBlocks == other.WindowBlocks && GlobalBlocks == other.GlobalBlocks
        && RandomBlocks == other.RandomBlocks && Seed == other.Seed;

    public override bool Equals(object? obj) => Equals(obj as PatternParameters);

    public override int GetHashCode() =>
        unchecked((((((int)Kind * 31 + Window) * 31 + Stride) * 31 + Summary) * 31 + BlockSize) * 31 + GlobalTokens);
}
