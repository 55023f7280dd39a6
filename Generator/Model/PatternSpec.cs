namespace KernelGen.Generator.Model;

/// <summary>
/// One <c>[SparseAttention]</c> pattern as the parser read it: the pattern (numbered as
/// <c>SparsePattern</c>), its parameters, and for a layout, the file it names and, once resolved,
/// its block tables. Equal patterns on several layers are one spec, compiled once.
/// </summary>
/// <param name="Kind">The pattern, as <c>PatternKind</c>.</param>
/// <param name="LayoutFile">Layout: the file named by the attribute.</param>
/// <param name="LayoutFileLocation">Where the attribute names the file, for diagnostics about it.</param>
/// <param name="BlockSizeLocation">Where the attribute sets BlockSize, for a mismatch with the file.</param>
/// <param name="Tables">Layout: [table][query block] → key blocks, once the file is read; empty before.</param>
internal sealed record PatternSpec(
    int Kind,
    int Window,
    int Stride,
    int Summary,
    bool SplitHeads,
    bool PerHeadSummary,
    int GlobalTokens,
    int BlockSize,
    int WindowBlocks,
    int GlobalBlocks,
    int RandomBlocks,
    int Seed,
    string? LayoutFile,
    LocationInfo? LayoutFileLocation,
    LocationInfo? BlockSizeLocation,
    EquatableArray<EquatableArray<EquatableArray<int>>> Tables)
{
    public static PatternSpec Dense { get; } = new(0, 0, 0, 0, false, false, 0, 0, 0, 0, 0, 0, null, null, null, default);

    public bool IsDense => Kind == 0;
}
