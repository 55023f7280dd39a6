using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Decoding;

/// <summary>
/// Rotary position embedding (Su et al. 2021): pair m of each head is rotated by
/// <c>pos · θ^(−2m/head_dim)</c>. The pair is (2m, 2m+1) in llama2.c's interleaved layout and
/// (m, m + head_dim/2) in Hugging Face's rotate-half layout (<see cref="RopeLayout"/>).
/// </summary>
/// <remarks>
/// The cosines and sines are computed once, in float32 exactly as run.c computes them on every token
/// (<c>1/powf(θ, j/head_size)</c>, angle = pos · freq as a float, then <c>cosf</c>/<c>sinf</c>),
/// so the table holds the same values run.c uses, and a token only looks them up.
/// </remarks>
internal sealed class RotaryEmbedding
{
    /// <summary>Llama's rotary base; llama2.c checkpoints do not store it.</summary>
    public const float Theta = 10000f;

    private readonly int _headDim;
    private readonly int _pairs;        // head_dim / 2
    private readonly RopeLayout _layout;
    private readonly float[] _cos;      // [positions][head_dim / 2]
    private readonly float[] _sin;      // [positions][head_dim / 2]

    /// <summary>Builds the tables for positions 0..<paramref name="positions"/>−1.</summary>
    public RotaryEmbedding(int headDim, int positions, float theta = Theta, RopeLayout layout = RopeLayout.Interleaved)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(positions);
        if (!(theta > 1f) || !float.IsFinite(theta))
        {
            throw new ArgumentOutOfRangeException(nameof(theta), theta, "The rotary base must be a finite number above 1.");
        }

        _headDim = headDim;
        _pairs = headDim / 2;
        _layout = layout;
        _cos = new float[(long)positions * _pairs];
        _sin = new float[(long)positions * _pairs];
        for (int pos = 0; pos < positions; pos++)
        {
            for (int m = 0; m < _pairs; m++)
            {
                float frequency = 1.0f / MathF.Pow(theta, 2 * m / (float)headDim);
                float angle = pos * frequency;
                _cos[pos * _pairs + m] = MathF.Cos(angle);
                _sin[pos * _pairs + m] = MathF.Sin(angle);
            }
        }

        Positions = positions;
    }

    /// <summary>Positions the tables cover.</summary>
    public int Positions { get; }

    /// <summary>Rotates every head of <paramref name="query"/> and of <paramref name="key"/> in place for <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> query, Span<float> key, int position)
    {
        var cos = _cos.AsSpan(position * _pairs, _pairs);
        var sin = _sin.AsSpan(position * _pairs, _pairs);
        if (_layout == RopeLayout.Interleaved)
        {
            RotateInterleaved(query, cos, sin);
            RotateInterleaved(key, cos, sin);
        }
        else
        {
            RotateHalf(query, cos, sin);
            RotateHalf(key, cos, sin);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RotateInterleaved(Span<float> vector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        for (int head = 0; head + _headDim <= vector.Length; head += _headDim)
        {
            var v = vector.Slice(head, _headDim);
            for (int m = 0; m < cos.Length; m++)
            {
                float a = v[2 * m], b = v[2 * m + 1];
                float c = cos[m], s = sin[m];
                v[2 * m] = a * c - b * s;
                v[2 * m + 1] = a * s + b * c;
            }
        }
    }

    /// <summary>Hugging Face's <c>q·cos + rotate_half(q)·sin</c> with <c>rotate_half(x) = [−x₂, x₁]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RotateHalf(Span<float> vector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        for (int head = 0; head + _headDim <= vector.Length; head += _headDim)
        {
            var low = vector.Slice(head, _pairs);
            var high = vector.Slice(head + _pairs, _pairs);
            for (int m = 0; m < cos.Length; m++)
            {
                float a = low[m], b = high[m];
                float c = cos[m], s = sin[m];
                low[m] = a * c - b * s;
                high[m] = a * s + b * c;
            }
        }
    }
}
