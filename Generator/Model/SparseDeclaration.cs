namespace KernelGen.Generator.Model;

/// <summary>
/// One <c>[SparseAttention]</c> as written, reduced to values: the pattern, every parameter, the
/// layer list's text, which arguments were given and where each is. The builder checks and
/// assigns it once the model's layer count is known (which may come from a config file).
/// </summary>
internal sealed record SparseDeclaration(
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
    string? LayersText,
    EquatableArray<ArgumentInfo> Arguments,
    LocationInfo? Location);
