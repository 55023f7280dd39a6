using System;
using System.Runtime.CompilerServices;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Decode split across workers (flash-decoding, Dao et al. 2023): each part of a head's keys
/// leaves its running maximum m, sum l and unnormalized output O; the parts merge exactly as
/// online softmax does: m = max m_p, O = Σ O_p·e^(m_p − m), l = Σ l_p·e^(m_p − m), output O / l.
/// </summary>
internal sealed class PartialState
{
    private readonly int _headDim;
    private readonly int _group;
    private readonly int _parts;
    private readonly float[] _outputs;   // [pair][part][row][headDim]
    private readonly float[] _max;       // [pair][part][row]
    private readonly float[] _sum;       // [pair][part][row]

    public PartialState(ModelShape shape, int parts)
    {
        _headDim = shape.HeadDim;
        _group = shape.GroupSize;
        _parts = parts;

        // Split only happens when pairs < parts (workers), so pairs ≤ parts.
        int slots = parts * parts * _group;
        _outputs = new float[slots * _headDim];
        _max = new float[slots];
        _sum = new float[slots];
    }

    /// <summary>Keeps part <paramref name="part"/>'s state of <paramref name="rows"/> rows from the worker's scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Store(int pair, int part, AttentionScratch s, int rows, int headDim)
    {
        int slot = (pair * _parts + part) * _group;
        s.Outputs.AsSpan(0, rows * headDim).CopyTo(_outputs.AsSpan(slot * _headDim));
        s.Max.AsSpan(0, rows).CopyTo(_max.AsSpan(slot));
        s.Sum.AsSpan(0, rows).CopyTo(_sum.AsSpan(slot));
        for (int r = rows; r < _group; r++)
        {
            _max[slot + r] = float.NegativeInfinity;
            _sum[slot + r] = 0;
        }
    }

    /// <summary>Merges the parts of <paramref name="pair"/> into the output rows of <paramref name="heads"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Merge(int pair, int parts, int[] heads, Span<float> output)
    {
        int d = _headDim;
        for (int r = 0; r < heads.Length; r++)
        {
            float max = float.NegativeInfinity;
            for (int part = 0; part < parts; part++)
            {
                max = MathF.Max(max, _max[Slot(pair, part) + r]);
            }

            var target = output.Slice(heads[r] * d, d);
            target.Clear();
            float sum = 0;
            for (int part = 0; part < parts; part++)
            {
                int slot = Slot(pair, part) + r;
                if (_sum[slot] == 0)
                {
                    continue;
                }

                float weight = MathF.Exp(_max[slot] - max);
                sum += _sum[slot] * weight;
                CacheVectorOps<KvFloat32>.MultiplyAdd(ref target[0], weight, ref Unsafe.As<float, byte>(ref _outputs[slot * d]), d);
            }

            VectorOps.Scale(ref target[0], 1f / sum, d);
        }
    }

    private int Slot(int pair, int part) => (pair * _parts + part) * _group;
}
