namespace KernelGen.Patterns;

/// <summary>
/// The kinds of key set a pattern is built from. A pattern is a disjoint union of components, so
/// kernels can visit each component's keys with its own arithmetic and never count a key twice.
/// Query i, key j, always j ≤ i:
/// </summary>
internal enum ComponentKind
{
    /// <summary>Lo ≤ i − j &lt; Hi: a band of recent keys (Hi = int.MaxValue: all of them).</summary>
    Band,

    /// <summary>i − j = m·Period for m ≥ 1: every Period-th key before the query.</summary>
    Stride,

    /// <summary>⌊j/Period⌋ = ⌊i/Period⌋: the query's own block, up to the query.</summary>
    SameBlock,

    /// <summary>Offset ≤ j mod Period &lt; Offset + Width, in blocks before the query's: summary columns.</summary>
    Columns,

    /// <summary>j &lt; Width and i − j ≥ Lo: the first keys, where a band starting at Lo does not already cover them.</summary>
    Prefix,

    /// <summary>(⌊i/Period⌋, ⌊j/Period⌋) is in the pattern's block table: block-sparse.</summary>
    Blocks,
}

/// <summary>One component with its parameters; fields that do not apply to <see cref="Kind"/> are 0.</summary>
internal readonly struct PatternComponent
{
    private PatternComponent(ComponentKind kind, int lo, int hi, int period, int offset, int width)
    {
        Kind = kind;
        Lo = lo;
        Hi = hi;
        Period = period;
        Offset = offset;
        Width = width;
    }

    public ComponentKind Kind { get; }

    public int Lo { get; }

    public int Hi { get; }

    public int Period { get; }

    public int Offset { get; }

    public int Width { get; }

    public static PatternComponent Band(int lo, int hi) => new(ComponentKind.Band, lo, hi, 0, 0, 0);

    public static PatternComponent Stride(int period) => new(ComponentKind.Stride, 0, 0, period, 0, 0);

    public static PatternComponent SameBlock(int period) => new(ComponentKind.SameBlock, 0, 0, period, 0, 0);

    public static PatternComponent Columns(int period, int offset, int width) => new(ComponentKind.Columns, 0, 0, period, offset, width);

    public static PatternComponent Prefix(int width, int lo) => new(ComponentKind.Prefix, lo, 0, 0, 0, width);

    public static PatternComponent Blocks(int period) => new(ComponentKind.Blocks, 0, 0, period, 0, 0);
}
