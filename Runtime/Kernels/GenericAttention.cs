using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelGen.Caching;

namespace KernelGen.Kernels;

/// <summary>
/// Vectorized attention for any shape known only at run time: the kernels a checkpoint runs on
/// when no compiled class matches it, and the baseline that shows what specialization buys.
/// The algorithm is the one the generator emits; only head_dim, the group size and the loop
/// bounds are variables here instead of constants.
/// </summary>
/// <remarks>
/// <para><b>Decode</b>: per KV head, keys are visited in blocks of <see cref="KeyBlock"/>. Each key is
/// loaded once and scored against every query head of its group (the point of MQA/GQA: bytes
/// read per token shrink by the group size), the block's scores are folded into each head's
/// running softmax (<see cref="OnlineSoftmax"/>), and each value is loaded once and accumulated
/// into every head of the group.</para>
/// <para><b>Prefill</b>: flash-attention tiling (Dao et al. 2022): a tile of
/// <see cref="QueryTile"/> positions × the group's heads against blocks of keys, online softmax per
/// row. Causality is handled per tile: key blocks past the tile's last query are never visited,
/// and only the block on the diagonal masks scores.</para>
/// </remarks>
public sealed class GenericAttention : AttentionKernels
{
    /// <summary>Keys per online-softmax block.</summary>
    public const int KeyBlock = 64;

    /// <summary>Query positions per prefill tile.</summary>
    public const int QueryTile = 16;

    private readonly int _headDim;
    private readonly int _group;
    private readonly float _scale;
    private readonly float[] _scores;   // [rows][KeyBlock]
    private readonly float[] _max;      // [rows]
    private readonly float[] _sum;      // [rows]
    private readonly float[] _acc;      // [rows][headDim]

    /// <summary>Creates generic kernels for <paramref name="shape"/>.</summary>
    public GenericAttention(ModelShape shape)
        : base(shape, "generic")
    {
        _headDim = shape.HeadDim;
        _group = shape.GroupSize;
        _scale = 1f / MathF.Sqrt(_headDim);
        int rows = QueryTile * _group;
        _scores = new float[rows * KeyBlock];
        _max = new float[rows];
        _sum = new float[rows];
        _acc = new float[rows * _headDim];
    }

    /// <inheritdoc />
    public override string Description =>
        $"generic: runtime shape, {Shape.AttentionKind} {Shape.Heads}/{Shape.KvHeads} heads, head_dim {Shape.HeadDim}; SIMD path {SimdPolicy.Describe()}";

    /// <inheritdoc />
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)
    {
        int d = _headDim, group = _group, length = position + 1;
        for (int kvHead = 0; kvHead < Shape.KvHeads; kvHead++)
        {
            ref float keys = ref cache.KeysRef(layer, kvHead);
            ref float values = ref cache.ValuesRef(layer, kvHead);
            ref float q = ref Unsafe.Add(ref MemoryMarshal.GetReference(query), kvHead * group * d);
            var acc = output.Slice(kvHead * group * d, group * d);
            acc.Clear();
            _max.AsSpan(0, group).Fill(float.NegativeInfinity);
            _sum.AsSpan(0, group).Clear();

            for (int block = 0; block < length; block += KeyBlock)
            {
                int n = Math.Min(KeyBlock, length - block);

                // Scores: each key read once, for every query head of the group.
                for (int t = 0; t < n; t++)
                {
                    ref float k = ref Unsafe.Add(ref keys, (block + t) * d);
                    for (int h = 0; h < group; h++)
                    {
                        _scores[h * KeyBlock + t] = VectorOps.Dot(ref Unsafe.Add(ref q, h * d), ref k, d) * _scale;
                    }
                }

                FoldBlock(acc, group, n);

                // Values: each read once, accumulated into every head of the group.
                for (int t = 0; t < n; t++)
                {
                    ref float v = ref Unsafe.Add(ref values, (block + t) * d);
                    for (int h = 0; h < group; h++)
                    {
                        VectorOps.MultiplyAdd(ref acc[h * d], _scores[h * KeyBlock + t], ref v, d);
                    }
                }
            }

            for (int h = 0; h < group; h++)
            {
                VectorOps.Scale(ref acc[h * d], 1f / _sum[h], d);
            }
        }
    }

    /// <inheritdoc />
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)
    {
        int d = _headDim, group = _group, dim = Shape.Dim, end = start + count;
        ref float queries = ref MemoryMarshal.GetReference(query);
        for (int kvHead = 0; kvHead < Shape.KvHeads; kvHead++)
        {
            ref float keys = ref cache.KeysRef(layer, kvHead);
            ref float values = ref cache.ValuesRef(layer, kvHead);
            for (int tile = start; tile < end; tile += QueryTile)
            {
                int positions = Math.Min(QueryTile, end - tile);
                int rows = positions * group;   // row r = position offset * group + head in group
                var acc = _acc.AsSpan(0, rows * d);
                acc.Clear();
                _max.AsSpan(0, rows).Fill(float.NegativeInfinity);
                _sum.AsSpan(0, rows).Clear();
                int lastPosition = tile + positions - 1;

                // Causal: blocks after the tile's last query are never visited.
                for (int block = 0; block <= lastPosition; block += KeyBlock)
                {
                    int n = Math.Min(KeyBlock, lastPosition + 1 - block);
                    bool diagonal = block + n - 1 > tile;
                    for (int t = 0; t < n; t++)
                    {
                        int key = block + t;
                        ref float k = ref Unsafe.Add(ref keys, key * d);
                        for (int p = 0; p < positions; p++)
                        {
                            int position = tile + p;
                            ref float qRow = ref Unsafe.Add(ref queries, (position - start) * dim + kvHead * group * d);
                            for (int h = 0; h < group; h++)
                            {
                                int row = p * group + h;
                                _scores[row * KeyBlock + t] = diagonal && key > position
                                    ? float.NegativeInfinity
                                    : VectorOps.Dot(ref Unsafe.Add(ref qRow, h * d), ref k, d) * _scale;
                            }
                        }
                    }

                    FoldBlock(acc, rows, n);

                    for (int t = 0; t < n; t++)
                    {
                        ref float v = ref Unsafe.Add(ref values, (block + t) * d);
                        for (int row = 0; row < rows; row++)
                        {
                            VectorOps.MultiplyAdd(ref acc[row * d], _scores[row * KeyBlock + t], ref v, d);
                        }
                    }
                }

                for (int p = 0; p < positions; p++)
                {
                    var outRow = output.Slice((tile + p - start) * dim + kvHead * group * d, group * d);
                    for (int h = 0; h < group; h++)
                    {
                        int row = p * group + h;
                        VectorOps.Scale(ref acc[row * d], 1f / _sum[row], d);
                        acc.Slice(row * d, d).CopyTo(outRow.Slice(h * d, d));
                    }
                }
            }
        }
    }

    /// <summary>Folds the block's scores of each row into its running softmax and rescales its accumulator.</summary>
    private void FoldBlock(Span<float> acc, int rows, int n)
    {
        for (int row = 0; row < rows; row++)
        {
            float correction = OnlineSoftmax.Update(_scores.AsSpan(row * KeyBlock, n), ref _max[row], ref _sum[row]);
            if (correction != 1f)
            {
                VectorOps.Scale(ref acc[row * _headDim], correction, _headDim);
            }
        }
    }
}
