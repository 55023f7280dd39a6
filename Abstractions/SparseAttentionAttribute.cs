using System;

namespace KernelGen;

/// <summary>
/// Gives some or all layers of a <see cref="TransformerModelAttribute"/> class a sparse attention
/// pattern. The generator emits prefill and decode kernels for each distinct pattern in which the
/// pattern's parameters are constants and keys outside the pattern are never visited. Layers that
/// no <c>[SparseAttention]</c> claims stay dense.
/// </summary>
/// <remarks>
/// <example>
/// <code>
/// [TransformerModel(Dim = 512, Layers = 8, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)]
/// [SparseAttention(SparsePattern.Strided, Stride = 128, Layers = "1,3,5,7")]   // dense on the others
/// public partial class LongContextModel;
/// </code>
/// </example>
/// Invalid parameters are compile errors KG0020–KG0039; layout files KG0040–KG0049.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SparseAttentionAttribute : Attribute
{
    /// <summary>Assigns <paramref name="pattern"/> to the layers named by <see cref="Layers"/>.</summary>
    public SparseAttentionAttribute(SparsePattern pattern)
    {
        Pattern = pattern;
    }

    /// <summary>The pattern.</summary>
    public SparsePattern Pattern { get; }

    /// <summary>
    /// The layers (0-based) that use this pattern: a list of indexes and ranges such as <c>"1,3,5,7"</c>
    /// or <c>"0-3,8"</c>. Empty or unset: every layer.
    /// </summary>
    public string? Layers { get; set; }

    /// <summary>SlidingWindow, Global and QueryAware: how many of the latest keys (the query's own included) each query attends.</summary>
    public int Window { get; set; }

    /// <summary>Strided: the stride l (also the local band's width). Fixed takes <see cref="BlockLength"/> instead.</summary>
    public int Stride { get; set; }

    /// <summary>
    /// Fixed: the block length l. Each query attends its own block of l keys, and the last
    /// <see cref="Summary"/> keys of every earlier block. Writing <see cref="Stride"/> on a Fixed
    /// pattern is warning KG0025, and the block length stays unset.
    /// </summary>
    public int BlockLength { get; set; }

    /// <summary>Fixed: c, how many keys at the end of each block summarize it for later blocks.</summary>
    public int Summary { get; set; }

    /// <summary>
    /// Strided: when true, the first half of the heads attend the local band and the second half
    /// the strided keys (the "split" variant); when false every head attends their union ("merged").
    /// </summary>
    public bool SplitHeads { get; set; }

    /// <summary>
    /// Fixed: when true, head h uses its own c-wide summary slice of each block, the
    /// (h mod l/c)-th from the block's end, instead of every head using the last c keys.
    /// </summary>
    public bool PerHeadSummary { get; set; }

    /// <summary>Global and QueryAware: the number of first tokens every query attends (sinks / global tokens).</summary>
    public int GlobalTokens { get; set; }

    /// <summary>BigBird, Layout and QueryAware: the block size b, in tokens (QueryAware: the unit of selection, and of the key bounds the cache keeps).</summary>
    public int BlockSize { get; set; }

    /// <summary>BigBird: key blocks in each query block's causal window, its own block included (see <see cref="SlidingWindowBlocks"/> for DeepSpeed's count).</summary>
    public int WindowBlocks { get; set; }

    /// <summary>BigBird: the first blocks, attended by every query and attending every earlier key.</summary>
    public int GlobalBlocks { get; set; }

    /// <summary>BigBird: random earlier key blocks per query block.</summary>
    public int RandomBlocks { get; set; }

    /// <summary>BigBird: seed of the random block choice, so a model compiles to the same pattern every time.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Strided: how many of the latest keys (the query's own included) the local band holds; unset:
    /// <see cref="Stride"/>, openai/sparse_attention's <c>local(l)</c>, i − j &lt; l. The Sparse
    /// Transformer paper's A(1) = {max(0, i − l), …, i} is <c>LocalWindow = Stride + 1</c>. It changes
    /// what split heads' local half attends; with merged heads (the union) Stride and Stride + 1 are
    /// the same set, and a wider band is KG0028.
    /// </summary>
    public int LocalWindow { get; set; }

    /// <summary>
    /// Fixed: P, how many different summary slices the heads use: head h takes the (h mod P)-th
    /// c-wide slice from each block's end (openai's <c>num_verts</c>, DeepSpeed's
    /// <c>num_different_global_patterns</c>). Needs P · Summary ≤ BlockLength (KG0029). Unset: BlockLength /
    /// Summary with <see cref="PerHeadSummary"/>, 1 without; setting it implies per-head summaries.
    /// </summary>
    public int SummaryPatterns { get; set; }

    /// <summary>
    /// BigBird: DeepSpeed's <c>num_sliding_window_blocks</c>, a symmetric count: ⌊n/2⌋ blocks each
    /// side of the query's, of which causal attention keeps the earlier side, so it is
    /// <see cref="WindowBlocks"/> = ⌊n/2⌋ + 1. Give one of the two (KG0030).
    /// </summary>
    public int SlidingWindowBlocks { get; set; }

    /// <summary>
    /// BigBird: global blocks at given indices, attended by every later query and attending every
    /// earlier key, as DeepSpeed's BSLongformer <c>global_block_indices</c>: a list such as
    /// <c>"0,10"</c>, with inclusive ranges such as <c>"0-1"</c> for
    /// <c>global_block_end_indices</c> (exclusive there: [0, 2) is "0-1"). Adds to
    /// <see cref="GlobalBlocks"/>. An index beyond the context's blocks is KG0031.
    /// </summary>
    public string? GlobalBlockIndices { get; set; }

    /// <summary>BigBird: each head draws its own random blocks (DeepSpeed's <c>different_layout_per_head</c>); head 0 keeps the shared table.</summary>
    public bool DifferentLayoutPerHead { get; set; }

    /// <summary>
    /// BigBird: draw the random blocks from every block up to the query's, window and globals
    /// included, as DeepSpeed does (<c>random.sample(range(0, row + 1), num_random_blocks)</c>); a
    /// draw may then repeat a block already attended. Unset: only from blocks not yet attended.
    /// </summary>
    public bool RandomAmongAllBlocks { get; set; }

    /// <summary>
    /// QueryAware: most keys a decode query attends: the <see cref="GlobalTokens"/> sinks, the
    /// <see cref="Window"/> latest keys, and ⌊(TokenBudget − GlobalTokens − Window) / BlockSize⌋
    /// selected blocks. It must leave room for one block (KG0033); Window must be a multiple of
    /// BlockSize (KG0034).
    /// </summary>
    public int TokenBudget { get; set; }

    /// <summary>Layout: path of the layout file, as listed in the project's AdditionalFiles.</summary>
    public string? LayoutFile { get; set; }
}
