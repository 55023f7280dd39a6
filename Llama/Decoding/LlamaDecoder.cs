using System;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using KernelGen.Threading;

namespace KernelGen.Decoding;

/// <summary>
/// A Llama-family decoder (RMSNorm, rotary embedding, grouped-query attention, SwiGLU, tied or
/// separate classifier) over a set of weights. Immutable and shareable: the per-sequence state
/// lives in a <see cref="DecoderSession"/>, one per sequence and thread.
/// </summary>
public sealed class LlamaDecoder
{
    /// <summary>Creates a decoder over <paramref name="weights"/>.</summary>
    /// <param name="weights">The model's parameters.</param>
    /// <param name="settings">Rotary base and layout, RMSNorm epsilon, sliding window; llama2.c's constants when null.</param>
    public LlamaDecoder(LlamaWeights weights, DecoderSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
        Settings = settings ?? DecoderSettings.Llama2C;
        Rope = new RotaryEmbedding(weights.Shape.HeadDim, weights.Shape.MaxSeqLen, Settings.RopeTheta, Settings.RopeLayout);
    }

    /// <summary>Creates a decoder over a loaded llama2.c checkpoint's weights.</summary>
    public LlamaDecoder(Llama2cCheckpoint checkpoint)
        : this((checkpoint ?? throw new ArgumentNullException(nameof(checkpoint))).Weights)
    {
    }

    /// <summary>Creates a decoder over a checkpoint of any supported format, with the settings it states.</summary>
    public LlamaDecoder(ModelCheckpoint checkpoint)
        : this((checkpoint ?? throw new ArgumentNullException(nameof(checkpoint))).Weights, checkpoint.Settings)
    {
    }

    /// <summary>The model's shape.</summary>
    public ModelShape Shape => Weights.Shape;

    /// <summary>The model's parameters.</summary>
    public LlamaWeights Weights { get; }

    /// <summary>Rotary base and layout, RMSNorm epsilon and sliding window.</summary>
    public DecoderSettings Settings { get; }

    /// <summary>Rotary tables for every position of the model's context, shared by all sessions.</summary>
    internal RotaryEmbedding Rope { get; }

    /// <summary>
    /// Starts a sequence: allocates its KV cache (through <paramref name="kernels"/>) and every
    /// buffer a forward pass needs, once.
    /// </summary>
    /// <param name="kernels">The attention kernels to run; their shape must match the model's attention geometry. The session owns them from now on.</param>
    /// <param name="contextLength">Positions the session holds; defaults to the model's <c>seq_len</c>.</param>
    /// <param name="pool">
    /// The threads large projections run on; null for <see cref="WorkerPool.ForNewKernels"/> (by default one per
    /// processor). Give the kernels the same pool (<see cref="KernelSelection.Create"/>) to set the thread count of the whole model.
    /// </param>
    /// <param name="kvCache">How the KV cache stores keys and values; defaults to the kernels' <see cref="AttentionKernels.DefaultCacheFormat"/> (f32 unless compiled otherwise).</param>
    public DecoderSession CreateSession(AttentionKernels kernels, int? contextLength = null, WorkerPool? pool = null, KvCacheFormat? kvCache = null) =>
        new(this, kernels, contextLength ?? Shape.MaxSeqLen, pool, kvCache);
}
