using System;
using System.Collections.Generic;
using KernelGen.Caching;
using KernelGen.Patterns;

namespace KernelGen.Kernels;

/// <summary>
/// The oracle: attention written as plainly as possible, in double precision, one query head and
/// one key at a time, over the keys <see cref="AttentionPattern.Attends"/> admits — the pattern's
/// written definition, not the kernels' index arithmetic. Every other kernel set is tested
/// against it. Never fast, always obvious. A compressed cache is read back row by row through
/// <see cref="KvCache.ReadKey"/>: the reference attends exactly the numbers the cache holds.
/// </summary>
public sealed class ReferenceAttention : AttentionKernels
{
    private readonly double[] _weights;
    private readonly double[] _sums;
    private readonly float[] _row;

    /// <summary>Creates reference kernels for <paramref name="shape"/>, dense or with one pattern per layer.</summary>
    public ReferenceAttention(ModelShape shape, IReadOnlyList<AttentionPattern>? layerPatterns = null)
        : base(shape, "reference", layerPatterns)
    {
        _weights = new double[shape.MaxSeqLen];
        _sums = new double[shape.HeadDim];
        _row = new float[shape.HeadDim];
    }

    /// <inheritdoc />
    public override string Description =>
        $"reference: scalar double-precision oracle, {Shape.AttentionKind} {Shape.Heads}/{Shape.KvHeads} heads, head_dim {Shape.HeadDim}; patterns {string.Join(", ", LayerPatterns)}";

    /// <inheritdoc />
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output) =>
        AttendOne(cache, layer, position, query, output, decode: true);

    /// <inheritdoc />
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)
    {
        int dim = Shape.Dim;
        for (int t = 0; t < count; t++)
        {
            AttendOne(cache, layer, start + t, query.Slice(t * dim, dim), output.Slice(t * dim, dim));
        }
    }

    /// <summary>Query i attends every key j ≤ i that the layer's pattern admits.</summary>
    /// <remarks>A QueryAware layer's decode attends what <see cref="QueryAwareReference"/> selects; its prefill is dense.</remarks>
    private void AttendOne(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output, bool decode = false)
    {
        int headDim = Shape.HeadDim;
        var layout = cache.Layout(layer);
        double scale = 1.0 / Math.Sqrt(headDim);
        var pattern = LayerPatterns[layer];
        var weights = position < _weights.Length ? _weights.AsSpan(0, position + 1) : new double[position + 1];
        var sums = _sums.AsSpan(0, headDim);
        for (int head = 0; head < Shape.Heads; head++)
        {
            int kvHead = head / Shape.GroupSize;
            var q = query.Slice(head * headDim, headDim);
            var row = _row.AsSpan();
            int[]? chosen = decode && pattern.Kind == SparsePattern.QueryAware
                ? QueryAwareReference.SelectBlocks(pattern, cache, layer, kvHead, Shape.GroupSize, position, query)
                : null;

            // Scores s_j = q·k_j / √d, then softmax weights exp(s_j − max) / Σ.
            double max = double.NegativeInfinity;
            for (int j = 0; j <= position; j++)
            {
                if (chosen is null ? !pattern.Attends(head, Shape.Heads, position, j) : !QueryAwareReference.Attends(pattern, chosen, position, j))
                {
                    weights[j] = double.NegativeInfinity;
                    continue;
                }

                if (!layout.Holds(j, position))
                {
                    throw new InvalidOperationException($"Layer {layer}: key {j} of query {position} is no longer in the cache.");
                }

                cache.ReadKey(layer, kvHead, layout.SlotOf(j), row);
                double dot = 0;
                for (int d = 0; d < headDim; d++)
                {
                    dot += (double)q[d] * row[d];
                }

                weights[j] = dot * scale;
                max = Math.Max(max, weights[j]);
            }

            double total = 0;
            for (int j = 0; j <= position; j++)
            {
                weights[j] = Math.Exp(weights[j] - max);
                total += weights[j];
            }

            // Output: Σ_j weight_j · v_j / Σ_j weight_j.
            sums.Clear();
            for (int j = 0; j <= position; j++)
            {
                if (weights[j] == 0)
                {
                    continue;
                }

                cache.ReadValue(layer, kvHead, layout.SlotOf(j), row);
                for (int d = 0; d < headDim; d++)
                {
                    sums[d] += weights[j] * row[d];
                }
            }

            var o = output.Slice(head * headDim, headDim);
            for (int d = 0; d < headDim; d++)
            {
                o[d] = (float)(sums[d] / total);
            }
        }
    }
}
