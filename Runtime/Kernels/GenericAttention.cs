using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using KernelGen.Caching;
using KernelGen.Kernels.Engine;
using KernelGen.Patterns;

namespace KernelGen.Kernels;

/// <summary>
/// Vectorized attention for any shape and pattern known only at run time: the kernels a checkpoint
/// runs on when no compiled class matches it, and the baseline that shows what specialization
/// buys. It runs the same <see cref="AttentionEngine"/> as the generated kernels, with head_dim,
/// the group size and the pattern's parameters as run-time values instead of constants.
/// </summary>
public sealed class GenericAttention : AttentionKernels
{
    private readonly LayerPattern[] _layers;
    private readonly AttentionEngine _engine;
    private readonly RuntimeMicrokernels _micro;
    private readonly QueryAwareSelection?[] _selections;

    /// <summary>Creates generic kernels for <paramref name="shape"/>, dense or with one pattern per layer.</summary>
    /// <param name="shape">The model shape.</param>
    /// <param name="layerPatterns">One attention pattern per layer; null for dense attention everywhere.</param>
    /// <param name="defaultCacheFormat">The format <see cref="AttentionKernels.CreateCache"/> uses when none is given; every format is read.</param>
    public GenericAttention(ModelShape shape, IReadOnlyList<AttentionPattern>? layerPatterns = null, KvCacheFormat defaultCacheFormat = KvCacheFormat.Float32)
        : base(shape, "generic", layerPatterns, defaultCacheFormat)
    {
        _layers = new LayerPattern[shape.Layers];
        _selections = new QueryAwareSelection?[shape.Layers];
        int maxSegments = 0;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            _layers[layer] = new LayerPattern(LayerPatterns[layer], shape);
            maxSegments = Math.Max(maxSegments, _layers[layer].MaxSegments);
            if (LayerPatterns[layer].Kind == SparsePattern.QueryAware)
            {
                _selections[layer] = QueryAwareSelection.Of(LayerPatterns[layer]);
            }
        }

        _engine = new AttentionEngine(shape, QueryTileFor(shape.GroupSize), maxSegments);
        _micro = new RuntimeMicrokernels(shape.HeadDim);
    }

    /// <inheritdoc />
    public override string Description =>
        $"generic: runtime shape, {Shape.AttentionKind} {Shape.Heads}/{Shape.KvHeads} heads, head_dim {Shape.HeadDim}{(KernelSizes.UsesTwoPassDecode(Shape.HeadDim) ? ", two-pass decode" : "")}; SIMD path {SimdPolicy.Describe()}";

    /// <summary>Positions per prefill tile: enough rows (positions × group) to reuse each key, few enough to stay in L1.</summary>
    public static int QueryTileFor(int groupSize) => KernelSizes.QueryTile(groupSize);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)
    {
        if (_selections[layer] is { } selection)
        {
            _engine.DecodeQueryAware(_micro, new LayerKeyPattern(_layers[layer]), selection, cache, layer, position, query, output);
            return;
        }

        _engine.Decode(_micro, new LayerKeyPattern(_layers[layer]), cache, layer, position, query, output);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output) =>
        _engine.Prefill(_micro, new LayerKeyPattern(_layers[layer]), cache, layer, start, count, query, output);
}
