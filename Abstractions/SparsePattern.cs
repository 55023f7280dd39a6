namespace KernelGen;

/// <summary>
/// Which keys a query attends (always causally: key j ≤ query i). See
/// <see cref="SparseAttentionAttribute"/> for each pattern's parameters.
/// </summary>
/// <remarks>
/// The generator compiles this same file (with <c>BUILDING_SOURCE_GENERATOR</c> defined, as
/// System.Text.Json's generator does with its shared enums), so the pattern numbering has one source.
/// </remarks>
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
    enum SparsePattern
{
    /// <summary>Every earlier key: i + 1 keys per query.</summary>
    Dense = 0,

    /// <summary>The last <c>Window</c> keys: i − j &lt; w (Longformer's local attention, Mistral).</summary>
    SlidingWindow = 1,

    /// <summary>
    /// Sparse Transformer "strided" (Child et al. 2019): a local band i − j &lt; l plus every l-th key,
    /// (i − j) mod l = 0, with l = <c>Stride</c>; about l + i/l keys per query.
    /// </summary>
    Strided = 2,

    /// <summary>
    /// Sparse Transformer "fixed": the query's own block of l = <c>BlockLength</c> keys, plus the last
    /// c = <c>Summary</c> keys of every earlier block (j mod l ≥ l − c); about l + c·i/l keys.
    /// </summary>
    Fixed = 3,

    /// <summary>Attention sinks (StreamingLLM) or global tokens (Longformer): the first <c>GlobalTokens</c> keys plus a sliding <c>Window</c>.</summary>
    Global = 4,

    /// <summary>
    /// BigBird (Zaheer et al. 2020) at block level: each block of <c>BlockSize</c> queries attends a window of
    /// <c>WindowBlocks</c> key blocks, <c>GlobalBlocks</c> global blocks (as rows and columns) and
    /// <c>RandomBlocks</c> random earlier blocks drawn from <c>Seed</c>.
    /// </summary>
    BigBird = 5,

    /// <summary>A block layout learned offline, read from <c>LayoutFile</c> (an AdditionalFiles item) at compile time.</summary>
    Layout = 6,

    /// <summary>
    /// Query-aware block selection (Quest, Tang et al. 2024): the first <c>GlobalTokens</c> keys and the
    /// latest <c>Window</c> are always attended; between them, the blocks of <c>BlockSize</c> keys whose
    /// bound Σ_d max(q_d·min_d, q_d·max_d) (from each block's per-channel key minimum and maximum) is
    /// highest fill the rest of <c>TokenBudget</c>. Decode only; prefill is dense and causal.
    /// </summary>
    QueryAware = 7,
}
