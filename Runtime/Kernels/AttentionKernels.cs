using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelGen.Caching;
using KernelGen.Patterns;

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
/// nothing. An instance is not safe to call from several threads at once: a call that starts while
/// another is still running on the same instance throws <see cref="InvalidOperationException"/>
/// (one interlocked exchange per call detects it).</para>
/// <para>Every call checks the cache against the layout these kernels would have made for the
/// layer it touches (dense with at most <see cref="ModelShape.MaxSeqLen"/> positions, or the same
/// rolling ring), so a cache made by kernels with other layer patterns, or built by hand longer than
/// the context the kernels' tables cover, is refused before any kernel indexes into it.</para>
/// </remarks>
public abstract class AttentionKernels
{
    /// <summary>
    /// Slots a rolling (sliding-window) layer keeps beyond its window, so a prefill chunk of up to
    /// this many + 1 tokens can be written before it is attended. The same for every kernel set,
    /// so their caches have the same layout.
    /// </summary>
    public const int RollingPrefillSlack = 63;

    private readonly AttentionPattern[] _layerPatterns;
    private readonly KvCacheLayout?[] _rollingLayouts;

    // 1 while a Decode or Prefill runs on this instance: its scratch memory is not shareable.
    private int _busy;

    /// <summary>Creates a kernel set for <paramref name="shape"/>.</summary>
    /// <param name="shape">The model shape.</param>
    /// <param name="name">A short name for logs.</param>
    /// <param name="layerPatterns">One attention pattern per layer; null for dense attention everywhere.</param>
    /// <param name="defaultCacheFormat">The format <see cref="CreateCache"/> uses when none is given.</param>
    protected AttentionKernels(ModelShape shape, string name, IReadOnlyList<AttentionPattern>? layerPatterns = null,
        KvCacheFormat defaultCacheFormat = KvCacheFormat.Float32)
    {
        KvCacheFormats.ElementBytes(defaultCacheFormat);
        DefaultCacheFormat = defaultCacheFormat;
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Shape = shape;
        Name = name;
        if (layerPatterns is not null && layerPatterns.Count != shape.Layers)
        {
            throw new ArgumentException($"{layerPatterns.Count} layer patterns given for a model of {shape.Layers} layers.", nameof(layerPatterns));
        }

        _layerPatterns = new AttentionPattern[shape.Layers];
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            var pattern = layerPatterns?[layer] ?? AttentionPattern.Dense;
            ArgumentNullException.ThrowIfNull(pattern, nameof(layerPatterns));
            pattern.CheckFits(shape);
            _layerPatterns[layer] = pattern;
        }

        _rollingLayouts = new KvCacheLayout?[shape.Layers];
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            var layout = CacheLayout(layer, shape.MaxSeqLen);
            _rollingLayouts[layer] = layout.IsRolling ? layout : null;
        }
    }

    /// <summary>The shape these kernels run.</summary>
    public ModelShape Shape { get; }

    /// <summary>A short name for logs and benchmarks: "reference", "generic", "generated (Stories260K)".</summary>
    public string Name { get; }

    /// <summary>One line on what these kernels are specialized for, and which SIMD path runs now.</summary>
    public abstract string Description { get; }

    /// <summary>The attention pattern of each layer.</summary>
    public IReadOnlyList<AttentionPattern> LayerPatterns => _layerPatterns;

    /// <summary>
    /// The KV cache layout of <paramref name="layer"/>: a ring of the window (plus sinks) for a
    /// sliding-window layer, whose memory does not grow with the sequence; every position otherwise.
    /// </summary>
    public KvCacheLayout CacheLayout(int layer, int maxSeqLen)
    {
        var pattern = _layerPatterns[layer];
        return PatternLayout.IsRolling(pattern.Parameters)
            ? KvCacheLayout.Rolling(pattern.Window, pattern.Kind == SparsePattern.Global ? pattern.GlobalTokens : 0, RollingPrefillSlack)
            : pattern.Kind == SparsePattern.QueryAware
                ? KvCacheLayout.Dense(maxSeqLen).WithKeyBounds(pattern.BlockSize)
                : KvCacheLayout.Dense(maxSeqLen);
    }

    /// <summary>
    /// The format <see cref="CreateCache"/> uses when none is given: what generated kernels were
    /// compiled for (<c>[TransformerModel(KvCache = ...)]</c>), <see cref="KvCacheFormat.Float32"/> otherwise.
    /// Every kernel set reads a cache of any format.
    /// </summary>
    public KvCacheFormat DefaultCacheFormat { get; }

    /// <summary>
    /// Creates an empty KV cache for these kernels. Dense layers hold <paramref name="maxSeqLen"/>
    /// positions (at most the shape's context, which sparse tables are built for); sliding-window
    /// layers hold their window whatever the length. Numbers are stored as <paramref name="format"/>
    /// says (<see cref="DefaultCacheFormat"/> when null).
    /// </summary>
    public KvCache CreateCache(int? maxSeqLen = null, KvCacheFormat? format = null)
    {
        int length = maxSeqLen ?? Shape.MaxSeqLen;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length, nameof(maxSeqLen));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Shape.MaxSeqLen, nameof(maxSeqLen));
        var layouts = new KvCacheLayout[Shape.Layers];
        for (int layer = 0; layer < layouts.Length; layer++)
        {
            layouts[layer] = CacheLayout(layer, length);
        }

        return new KvCache(Shape.KvHeads, Shape.HeadDim, layouts, format ?? DefaultCacheFormat);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        CheckCall(cache, layer, position, 1, query, key, value, output);
        Enter();
        try
        {
            cache.Write(layer, position, 1, key, value);
            DecodeCore(cache, layer, position, query, output);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prefill(KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        CheckCall(cache, layer, start, count, query, key, value, output);
        Enter();
        try
        {
            PrefillChunks(cache, layer, start, count, query, key, value, output);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void PrefillChunks(KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output)
    {
        int chunk = cache.Layout(layer).MaxAppend;
        if (count > chunk)
        {
            // A rolling layer's ring holds only so many new tokens beside the window they attend:
            // write and attend the block a chunk at a time.
            int dim = Shape.Dim, kvDim = Shape.KvDim;
            for (int done = 0; done < count; done += chunk)
            {
                int n = Math.Min(chunk, count - done);
                cache.Write(layer, start + done, n, key.Slice(done * kvDim, n * kvDim), value.Slice(done * kvDim, n * kvDim));
                PrefillCore(cache, layer, start + done, n, query.Slice(done * dim, n * dim), output.Slice(done * dim, n * dim));
            }

            return;
        }

        cache.Write(layer, start, count, key, value);
        PrefillCore(cache, layer, start, count, query, output);
    }

    /// <summary>Decode with arguments already checked and the new key/value already in the cache.</summary>
    protected abstract void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output);

    /// <summary>Prefill with arguments already checked and the block's keys/values already in the cache.</summary>
    protected abstract void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        if ((uint)layer >= (uint)cache.Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} is outside the model's {cache.Layers} layers.");
        }

        CheckLayout(cache.Layout(layer), layer);

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        cache.CheckAppend(layer, start, Math.Min(count, cache.Layout(layer).MaxAppend));
        CheckLength(nameof(query), query.Length, count * Shape.Dim);
        CheckLength(nameof(key), key.Length, count * Shape.KvDim);
        CheckLength(nameof(value), value.Length, count * Shape.KvDim);
        CheckLength(nameof(output), output.Length, count * Shape.Dim);
    }

    // The kernels index the cache by slot without bounds checks, and their sparse tables cover
    // MaxSeqLen positions: a layer laid out otherwise than these kernels would lay it out is refused.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckLayout(KvCacheLayout actual, int layer)
    {
        var rolling = _rollingLayouts[layer];
        if (rolling is { } expected)
        {
            if (actual != expected)
            {
                throw new ArgumentException(
                    $"Layer {layer} of the cache is {Describe(actual)}, but {Name} kernels run it as {Describe(expected)}: " +
                    "the cache was made for other layer patterns; create it with these kernels' CreateCache.", "cache");
            }
        }
        else if (actual.IsRolling || actual.Capacity > Shape.MaxSeqLen)
        {
            throw new ArgumentException(
                $"Layer {layer} of the cache is {Describe(actual)}, but {Name} kernels run it as dense with at most " +
                $"{Shape.MaxSeqLen} positions (MaxSeqLen); create the cache with these kernels' CreateCache.", "cache");
        }
        else if (_layerPatterns[layer].Kind == SparsePattern.QueryAware && actual.KeyBoundsBlock != _layerPatterns[layer].BlockSize)
        {
            // The selection reads the layer's key bounds without bounds checks.
            throw new ArgumentException(
                $"Layer {layer} of the cache keeps {(actual.KeyBoundsBlock == 0 ? "no key bounds" : $"key bounds per {actual.KeyBoundsBlock} keys")}, but {Name} kernels run it as " +
                $"{_layerPatterns[layer]}, which selects blocks of {_layerPatterns[layer].BlockSize} by them; create the cache with these kernels' CreateCache.", "cache");
        }
    }

    private static string Describe(KvCacheLayout layout) => layout.IsRolling
        ? $"a rolling window of {layout.Window} with {layout.SinkTokens} sinks in {layout.Capacity} slots"
        : $"dense with {layout.Capacity} positions";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            ThrowBusy();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBusy() => throw new InvalidOperationException(
        $"{Name} kernels are already running a call on another thread; one instance serves one thread at a time (create one per thread).");

    // Called per call and per span: inlined, the message built only on the failure path.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLength(string name, int actual, int expected)
    {
        if (actual != expected)
        {
            ThrowLength(name, actual, expected);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(string name, int actual, int expected) =>
        throw new ArgumentException($"{name} must hold {expected} floats, but holds {actual}.", name);
}
