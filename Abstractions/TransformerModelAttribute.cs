using System;

namespace KernelGen;

/// <summary>
/// Describes a decoder-only transformer's shape. Put it on a <c>partial</c> class and the KernelGen
/// source generator emits attention kernels specialized to exactly this shape into that class:
/// head dimension, query/key-value head grouping and context length become constants, so loops
/// unroll and vector widths are fixed at compile time.
/// </summary>
/// <remarks>
/// <para><see cref="KvHeads"/> picks the attention family: equal to <see cref="Heads"/> is
/// multi-head attention (MHA), 1 is multi-query attention (MQA, Shazeer 2019), anything in between
/// that divides <see cref="Heads"/> is grouped-query attention (GQA, Ainslie et al. 2023).</para>
/// <para>Invalid shapes are compile errors (KG0001–KG0007) that point at the offending argument.</para>
/// <example>
/// <code>
/// [TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512)]
/// public partial class Stories260K;
/// </code>
/// </example>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TransformerModelAttribute : Attribute
{
    /// <summary>Model (residual stream) width. Must be a positive multiple of <see cref="Heads"/>.</summary>
    public int Dim { get; set; }

    /// <summary>Number of transformer blocks.</summary>
    public int Layers { get; set; }

    /// <summary>Number of query heads. The head dimension is <c>Dim / Heads</c> and must be even (rotary pairs).</summary>
    public int Heads { get; set; }

    /// <summary>Number of key/value heads; must divide <see cref="Heads"/>. Defaults to <see cref="Heads"/> (MHA) when not set.</summary>
    public int KvHeads { get; set; }

    /// <summary>Feed-forward (SwiGLU) hidden width. Optional: leave it out for an attention-only shape.</summary>
    public int HiddenDim { get; set; }

    /// <summary>Vocabulary size. Optional: leave it out for an attention-only shape.</summary>
    public int Vocab { get; set; }

    /// <summary>Longest context, in tokens, that the KV cache holds.</summary>
    public int MaxSeqLen { get; set; }

    /// <summary>
    /// A Hugging Face <c>config.json</c>, among the project's <c>AdditionalFiles</c>, that states the
    /// shape: read at build time, so kernels are specialized for a real model without copying its
    /// numbers.
    /// </summary>
    /// <remarks>
    /// <para>Read: <c>hidden_size</c> (<see cref="Dim"/>), <c>num_hidden_layers</c> (<see cref="Layers"/>),
    /// <c>num_attention_heads</c> (<see cref="Heads"/>), <c>num_key_value_heads</c> (<see cref="KvHeads"/>,
    /// defaulting to the heads), <c>intermediate_size</c> (<see cref="HiddenDim"/>), <c>vocab_size</c>
    /// (<see cref="Vocab"/>) and <c>max_position_embeddings</c> (<see cref="MaxSeqLen"/>). A
    /// <c>sliding_window</c> shorter than the context becomes a <c>SlidingWindow</c> pattern on every
    /// layer, exactly as <c>[SparseAttention(SparsePattern.SlidingWindow, Window = w)]</c> would.</para>
    /// <para>Shape arguments written next to it may repeat the file's values but not contradict them
    /// (KG0049). A file that is not among the AdditionalFiles is KG0047; one that is not JSON, or
    /// lacks a key, or has a value of the wrong type, is KG0048 at the offending line.</para>
    /// <example>
    /// <code>
    /// [TransformerModel(ConfigFile = "models/tinyllama/config.json")]
    /// public partial class TinyLlama;
    /// </code>
    /// with <c>&lt;AdditionalFiles Include="models/tinyllama/config.json" /&gt;</c> in the project.
    /// </example>
    /// </remarks>
    public string? ConfigFile { get; set; }

    /// <summary>
    /// How the KV cache stores keys and values: <see cref="KvCacheFormat.Float32"/> (the default),
    /// <see cref="KvCacheFormat.BFloat16"/>, <see cref="KvCacheFormat.Float16"/> or
    /// <see cref="KvCacheFormat.Int8"/>. The generated kernels' <c>CreateCache</c> makes caches of
    /// this format and the header states it; the kernels still accept a cache of any format made
    /// with <c>CreateCache(format: ...)</c>, each read through the same unrolled microkernels.
    /// </summary>
    public KvCacheFormat KvCache { get; set; }
}
