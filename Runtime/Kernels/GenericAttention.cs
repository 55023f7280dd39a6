using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelGen.Caching;
using KernelGen.Patterns;

namespace KernelGen.Kernels;

/// <summary>
/// Vectorized attention for any shape and pattern known only at run time: the kernels a checkpoint
/// runs on when no compiled class matches it, and the baseline that shows what specialization
/// buys. The algorithm is the one the generator emits; head_dim, the group size, the pattern's
/// parameters and the loop bounds are variables here instead of constants.
/// </summary>
/// <remarks>
/// <para><b>Keys visited</b>: a layer's pattern is a disjoint union of components (a band, strided
/// keys, summary columns, key blocks, ...; see <see cref="KeySegments"/>); each component
/// enumerates exactly its keys, so keys outside the pattern are never loaded.</para>
/// <para><b>Decode</b>: per KV head and head class, keys are visited in blocks of
/// <see cref="KeyBlock"/>. Each key is loaded once and scored against every query head of the
/// group that attends it (the point of MQA/GQA: bytes read per token shrink by the group size),
/// the block is folded into each head's running softmax (<see cref="OnlineSoftmax"/>), and each
/// value is loaded once and accumulated into every such head.</para>
/// <para><b>Prefill</b>: flash-attention tiling (Dao et al. 2022): a tile of up to
/// <see cref="QueryTile"/> positions × heads against the tile's key ranges in blocks, online
/// softmax per row. Only key blocks on a range's edge (the causal diagonal, a window's far end)
/// are masked; strided keys are visited along their diagonals, each query paired only with its
/// own keys.</para>
/// </remarks>
public sealed class GenericAttention : AttentionKernels
{
    /// <summary>Keys per online-softmax block.</summary>
    public const int KeyBlock = 64;

    /// <summary>Query positions per prefill tile.</summary>
    public const int QueryTile = 16;

    private readonly int _headDim;
    private readonly float _scale;
    private readonly LayerPattern[] _layers;
    private readonly float[] _scores;   // [rows][KeyBlock]
    private readonly float[] _max;      // [rows]
    private readonly float[] _sum;      // [rows]
    private readonly float[] _acc;      // [rows][headDim]
    private readonly KeySegment[] _segments;
    private readonly KeyRange[] _ranges;

    /// <summary>Creates generic kernels for <paramref name="shape"/>, dense or with one pattern per layer.</summary>
    public GenericAttention(ModelShape shape, IReadOnlyList<AttentionPattern>? layerPatterns = null)
        : base(shape, "generic", layerPatterns)
    {
        _headDim = shape.HeadDim;
        _scale = 1f / MathF.Sqrt(_headDim);
        _layers = new LayerPattern[shape.Layers];
        int maxSegments = 0;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            _layers[layer] = new LayerPattern(LayerPatterns[layer], shape);
            maxSegments = Math.Max(maxSegments, _layers[layer].MaxSegments);
        }

        int rows = QueryTile * shape.GroupSize;
        _scores = new float[rows * KeyBlock];
        _max = new float[rows];
        _sum = new float[rows];
        _acc = new float[rows * _headDim];
        _segments = new KeySegment[maxSegments];
        _ranges = new KeyRange[maxSegments];
    }

    /// <inheritdoc />
    public override string Description =>
        $"generic: runtime shape, {Shape.AttentionKind} {Shape.Heads}/{Shape.KvHeads} heads, head_dim {Shape.HeadDim}; SIMD path {SimdPolicy.Describe()}";

    /// <inheritdoc />
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)
    {
        var pattern = _layers[layer];
        var layout = cache.Layout(layer);
        int d = _headDim;
        Span<(int Slot, int Position, int Count)> runs = stackalloc (int, int, int)[3];
        for (int headClass = 0; headClass < pattern.Classes; headClass++)
        {
            int segments = pattern.Segments(headClass, position, _segments);
            for (int kvHead = 0; kvHead < Shape.KvHeads; kvHead++)
            {
                int[] heads = pattern.HeadsOf[kvHead][headClass];
                if (heads.Length == 0)
                {
                    continue;
                }

                ref float keys = ref cache.KeysRef(layer, kvHead);
                ref float values = ref cache.ValuesRef(layer, kvHead);
                Reset(heads.Length);
                for (int s = 0; s < segments; s++)
                {
                    var segment = _segments[s];
                    if (segment.Step != 1)
                    {
                        // Strided keys only occur in layers that keep every position: slot = position.
                        AccumulateKeys(ref keys, ref values, query, heads, segment.Start, segment.Count, segment.Step);
                        continue;
                    }

                    int pieces = layout.ToSlotRuns(segment.Start, segment.Count, runs);
                    for (int r = 0; r < pieces; r++)
                    {
                        AccumulateKeys(ref keys, ref values, query, heads, runs[r].Slot, runs[r].Count, 1);
                    }
                }

                for (int h = 0; h < heads.Length; h++)
                {
                    VectorOps.Scale(ref _acc[h * d], 1f / _sum[h], d);
                    _acc.AsSpan(h * d, d).CopyTo(output.Slice(heads[h] * d, d));
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)
    {
        var pattern = _layers[layer];
        var layout = cache.Layout(layer);
        int d = _headDim, dim = Shape.Dim, end = start + count;
        Span<(int Slot, int Position, int Count)> runs = stackalloc (int, int, int)[3];
        for (int tile = start; tile < end;)
        {
            // A tile never crosses a block boundary of a block pattern, so all its rows see the same blocks.
            int tileEnd = Math.Min(tile + QueryTile, end);
            if (pattern.BlockLength > 0)
            {
                tileEnd = Math.Min(tileEnd, (tile / pattern.BlockLength + 1) * pattern.BlockLength);
            }

            int positions = tileEnd - tile, last = tileEnd - 1;
            for (int headClass = 0; headClass < pattern.Classes; headClass++)
            {
                int ranges = pattern.TileRanges(headClass, tile, last, _ranges);
                int stride = pattern.StridePeriod(headClass);
                for (int kvHead = 0; kvHead < Shape.KvHeads; kvHead++)
                {
                    int[] heads = pattern.HeadsOf[kvHead][headClass];
                    if (heads.Length == 0)
                    {
                        continue;
                    }

                    ref float keys = ref cache.KeysRef(layer, kvHead);
                    ref float values = ref cache.ValuesRef(layer, kvHead);
                    int rows = positions * heads.Length;   // row = position in tile * heads + head in class
                    Reset(rows);
                    for (int r = 0; r < ranges; r++)
                    {
                        var range = _ranges[r];
                        int pieces = layout.ToSlotRuns(range.Start, range.Count, runs);
                        for (int piece = 0; piece < pieces; piece++)
                        {
                            TileKeys(ref keys, ref values, query, start, tile, positions, heads, runs[piece], range.MinDistance, range.MaxDistance);
                        }
                    }

                    if (stride > 0)
                    {
                        TileStrided(ref keys, ref values, query, start, tile, positions, heads, stride);
                    }

                    for (int row = 0; row < rows; row++)
                    {
                        int p = row / heads.Length, head = heads[row % heads.Length];
                        VectorOps.Scale(ref _acc[row * d], 1f / _sum[row], d);
                        _acc.AsSpan(row * d, d).CopyTo(output.Slice((tile + p - start) * dim + head * d, d));
                    }
                }
            }

            tile = tileEnd;
        }
    }

    private void Reset(int rows)
    {
        _acc.AsSpan(0, rows * _headDim).Clear();
        _max.AsSpan(0, rows).Fill(float.NegativeInfinity);
        _sum.AsSpan(0, rows).Clear();
    }

    /// <summary>Decode: folds <paramref name="count"/> keys at slots start, start + step, ... into the rows of <paramref name="heads"/>.</summary>
    private void AccumulateKeys(ref float keys, ref float values, ReadOnlySpan<float> query, int[] heads, int start, int count, int step)
    {
        int d = _headDim;
        ref float q = ref MemoryMarshal.GetReference(query);
        for (int block = 0; block < count; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, count - block);

            // Scores: each key read once, for every query head that attends it.
            for (int t = 0; t < n; t++)
            {
                ref float k = ref Unsafe.Add(ref keys, (start + (block + t) * step) * d);
                for (int h = 0; h < heads.Length; h++)
                {
                    _scores[h * KeyBlock + t] = VectorOps.Dot(ref Unsafe.Add(ref q, heads[h] * d), ref k, d) * _scale;
                }
            }

            FoldBlock(heads.Length, n);

            // Values: each read once, accumulated into every such head.
            for (int t = 0; t < n; t++)
            {
                ref float v = ref Unsafe.Add(ref values, (start + (block + t) * step) * d);
                for (int h = 0; h < heads.Length; h++)
                {
                    VectorOps.MultiplyAdd(ref _acc[h * d], _scores[h * KeyBlock + t], ref v, d);
                }
            }
        }
    }

    /// <summary>Prefill: folds a run of contiguous keys into every row of the tile, masking only key blocks on the range's edges.</summary>
    private void TileKeys(ref float keys, ref float values, ReadOnlySpan<float> query, int start, int tile, int positions, int[] heads,
        (int Slot, int Position, int Count) run, int minDistance, int maxDistance)
    {
        int d = _headDim, dim = Shape.Dim, rows = positions * heads.Length, last = tile + positions - 1;
        ref float q = ref MemoryMarshal.GetReference(query);
        for (int block = 0; block < run.Count; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, run.Count - block);
            int firstKey = run.Position + block;
            bool masked = KeySegments.NeedsMask(tile, last, firstKey, n, minDistance, maxDistance);
            for (int t = 0; t < n; t++)
            {
                int key = firstKey + t;
                ref float k = ref Unsafe.Add(ref keys, (run.Slot + block + t) * d);
                for (int p = 0; p < positions; p++)
                {
                    int distance = tile + p - key;
                    bool attended = !masked || (distance >= minDistance && distance <= maxDistance);
                    ref float qRow = ref Unsafe.Add(ref q, (tile + p - start) * dim);
                    for (int h = 0; h < heads.Length; h++)
                    {
                        _scores[(p * heads.Length + h) * KeyBlock + t] = attended
                            ? VectorOps.Dot(ref Unsafe.Add(ref qRow, heads[h] * d), ref k, d) * _scale
                            : float.NegativeInfinity;
                    }
                }
            }

            FoldBlock(rows, n);

            for (int t = 0; t < n; t++)
            {
                ref float v = ref Unsafe.Add(ref values, (run.Slot + block + t) * d);
                for (int row = 0; row < rows; row++)
                {
                    VectorOps.MultiplyAdd(ref _acc[row * d], _scores[row * KeyBlock + t], ref v, d);
                }
            }
        }
    }

    /// <summary>
    /// Prefill, strided component: query i attends keys i − m·stride (m ≥ 1). Visited along the
    /// diagonals m, so each query meets only its own keys: no tile of mostly-masked scores.
    /// </summary>
    private void TileStrided(ref float keys, ref float values, ReadOnlySpan<float> query, int start, int tile, int positions, int[] heads, int stride)
    {
        int d = _headDim, dim = Shape.Dim, rows = positions * heads.Length;
        int maxM = (tile + positions - 1) / stride;
        ref float q = ref MemoryMarshal.GetReference(query);
        for (int block = 1; block <= maxM; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, maxM - block + 1);
            for (int t = 0; t < n; t++)
            {
                int m = block + t;
                for (int p = 0; p < positions; p++)
                {
                    int key = tile + p - m * stride;
                    ref float qRow = ref Unsafe.Add(ref q, (tile + p - start) * dim);
                    for (int h = 0; h < heads.Length; h++)
                    {
                        _scores[(p * heads.Length + h) * KeyBlock + t] = key >= 0
                            ? VectorOps.Dot(ref Unsafe.Add(ref qRow, heads[h] * d), ref Unsafe.Add(ref keys, key * d), d) * _scale
                            : float.NegativeInfinity;
                    }
                }
            }

            FoldBlock(rows, n);

            for (int t = 0; t < n; t++)
            {
                int m = block + t;
                for (int p = 0; p < positions; p++)
                {
                    int key = tile + p - m * stride;
                    if (key < 0)
                    {
                        continue;
                    }

                    ref float v = ref Unsafe.Add(ref values, key * d);
                    for (int h = 0; h < heads.Length; h++)
                    {
                        int row = p * heads.Length + h;
                        VectorOps.MultiplyAdd(ref _acc[row * d], _scores[row * KeyBlock + t], ref v, d);
                    }
                }
            }
        }
    }

    /// <summary>Folds the block's scores of each row into its running softmax and rescales its accumulator.</summary>
    private void FoldBlock(int rows, int n)
    {
        for (int row = 0; row < rows; row++)
        {
            float correction = OnlineSoftmax.Update(_scores.AsSpan(row * KeyBlock, n), ref _max[row], ref _sum[row]);
            if (correction != 1f)
            {
                VectorOps.Scale(ref _acc[row * _headDim], correction, _headDim);
            }
        }
    }
}
