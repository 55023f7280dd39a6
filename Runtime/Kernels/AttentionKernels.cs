using System;
using KernelGen.Caching;

namespace KernelGen.Kernels;

/// <summary>
/// The contract every attention kernel set implements — reference, generic and generated alike —
/// so the decoder, the tests and the benchmarks can swap them.
/// </summary>
/// <remarks>
/// <para>Math, per query head h at position i, with g = h / GroupSize its key/value head:
/// <c>out[i,h] = Σ_j softmax_j(q[i,h]·k[j,g] / √head_dim) · v[j,g]</c> over the keys j ≤ i that the
/// layer's pattern attends (all of them for dense causal attention).</para>
/// <para>Vectors are laid out as the projections produce them: a query row is
/// <c>[Heads][HeadDim]</c>, a key or value row <c>[KvHeads][HeadDim]</c>, an output row
/// <c>[Heads][HeadDim]</c>. The public methods check their arguments once and then call the
/// <c>*Core</c> methods, which may assume everything is in range.</para>
/// <para>An instance owns its scratch memory, allocated once in the constructor; calls allocate
/// nothing. An instance is not safe to call from several threads at once.</para>
/// </remarks>
public abstract class AttentionKernels
{
    /// <summary>Creates a kernel set for <paramref name="shape"/>.</summary>
    protected AttentionKernels(ModelShape shape, string name)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Shape = shape;
        Name = name;
    }

    /// <summary>The shape these kernels run.</summary>
    public ModelShape Shape { get; }

    /// <summary>A short name for logs and benchmarks: "reference", "generic", "generated (Stories260K)".</summary>
    public string Name { get; }

    /// <summary>One line on what these kernels are specialized for, and which SIMD path runs now.</summary>
    public abstract string Description { get; }

    /// <summary>The KV cache layout these kernels expect for <paramref name="layer"/>.</summary>
    public virtual KvCacheLayout CacheLayout(int layer, int maxSeqLen) => KvCacheLayout.Dense(maxSeqLen);

    /// <summary>Creates an empty KV cache for these kernels, holding up to <paramref name="maxSeqLen"/> positions per dense layer.</summary>
    public KvCache CreateCache(int? maxSeqLen = null)
    {
        int length = maxSeqLen ?? Shape.MaxSeqLen;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length, nameof(maxSeqLen));
        var layouts = new KvCacheLayout[Shape.Layers];
        for (int layer = 0; layer < layouts.Length; layer++)
        {
            layouts[layer] = CacheLayout(layer, length);
        }

        return new KvCache(Shape.KvHeads, Shape.HeadDim, layouts);
    }

    /// <summary>
    /// Attention for one new token at <paramref name="position"/>: stores its key and value in
    /// <paramref name="cache"/>, then attends over the cached keys.
    /// </summary>
    /// <param name="cache">The sequence's cache; positions 0..position-1 must already be in it.</param>
    /// <param name="layer">Transformer layer.</param>
    /// <param name="position">The token's position, at most the cache's current length.</param>
    /// <param name="query"><c>[Heads][HeadDim]</c>, rotary embedding already applied.</param>
    /// <param name="key"><c>[KvHeads][HeadDim]</c>, rotary embedding already applied.</param>
    /// <param name="value"><c>[KvHeads][HeadDim]</c>.</param>
    /// <param name="output"><c>[Heads][HeadDim]</c>.</param>
    public void Decode(KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        CheckCall(cache, layer, position, 1, query, key, value, output);
        cache.Write(layer, position, 1, key, value);
        DecodeCore(cache, layer, position, query, output);
    }

    /// <summary>
    /// Causal attention for a block of <paramref name="count"/> new tokens at positions
    /// <paramref name="start"/>..start+count-1 (prompt processing): stores their keys and values,
    /// then each attends over the cache up to itself.
    /// </summary>
    /// <param name="cache">The sequence's cache; positions 0..start-1 must already be in it.</param>
    /// <param name="layer">Transformer layer.</param>
    /// <param name="start">Position of the first token of the block.</param>
    /// <param name="count">Tokens in the block.</param>
    /// <param name="query"><c>[count][Heads][HeadDim]</c>.</param>
    /// <param name="key"><c>[count][KvHeads][HeadDim]</c>.</param>
    /// <param name="value"><c>[count][KvHeads][HeadDim]</c>.</param>
    /// <param name="output"><c>[count][Heads][HeadDim]</c>.</param>
    public void Prefill(KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        CheckCall(cache, layer, start, count, query, key, value, output);
        cache.Write(layer, start, count, key, value);
        PrefillCore(cache, layer, start, count, query, output);
    }

    /// <summary>Decode with arguments already checked and the new key/value already in the cache.</summary>
    protected abstract void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output);

    /// <summary>Prefill with arguments already checked and the block's keys/values already in the cache.</summary>
    protected abstract void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output);

    private void CheckCall(KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (cache.KvHeads != Shape.KvHeads || cache.HeadDim != Shape.HeadDim || cache.Layers != Shape.Layers)
        {
            throw new ArgumentException(
                $"The cache holds {cache.Layers} layers x {cache.KvHeads} KV heads x head_dim {cache.HeadDim}, " +
                $"but {Name} kernels run {Shape.Layers} x {Shape.KvHeads} x {Shape.HeadDim}.", nameof(cache));
        }

        cache.CheckAppend(layer, start, count);
        CheckLength(nameof(query), query.Length, count * Shape.Dim);
        CheckLength(nameof(key), key.Length, count * Shape.KvDim);
        CheckLength(nameof(value), value.Length, count * Shape.KvDim);
        CheckLength(nameof(output), output.Length, count * Shape.Dim);
    }

    private static void CheckLength(string name, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} must hold {expected} floats, but holds {actual}.", name);
        }
    }
}
