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

    /// <summary>SlidingWindow and Global: how many of the latest keys (the query's own included) each query attends.</summary>
    public int Window { get; set; }

    /// <summary>Strided: the stride l (also the local band's width). Fixed: the block length l.</summary>
    public int Stride { get; set; }

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

    /// <summary>Global: the number of first tokens every query attends (sinks / global tokens).</summary>
    public int GlobalTokens { get; set; }

    /// <summary>BigBird and Layout: the block size b, in tokens.</summary>
    public int BlockSize { get; set; }

    /// <summary>BigBird: key blocks in each query block's causal window, its own block included.</summary>
    public int WindowBlocks { get; set; }

    /// <summary>BigBird: the first blocks, attended by every query and attending every earlier key.</summary>
    public int GlobalBlocks { get; set; }

    /// <summary>BigBird: random earlier key blocks per query block.</summary>
    public int RandomBlocks { get; set; }

    /// <summary>BigBird: seed of the random block choice, so a model compiles to the same pattern every time.</summary>
    public int Seed { get; set; }

    /// <summary>Layout: path of the layout file, as listed in the project's AdditionalFiles.</summary>
    public string? LayoutFile { get; set; }
}
