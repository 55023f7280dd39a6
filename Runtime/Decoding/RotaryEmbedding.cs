using System;

namespace KernelGen.Decoding;

/// <summary>
/// Rotary position embedding (Su et al. 2021) in llama2.c's interleaved layout: elements (2m, 2m+1)
/// of each head form a pair rotated by <c>pos · 10000^(−2m/head_dim)</c>. It is not the
/// "rotate-half" layout of Hugging Face checkpoints.
/// </summary>
/// <remarks>
/// The cosines and sines are computed once, in float32 exactly as run.c computes them on every token
/// (<c>1/powf(10000, j/head_size)</c>, angle = pos · freq as a float, then <c>cosf</c>/<c>sinf</c>),
/// so the table holds the same values run.c uses, and a token only looks them up.
/// </remarks>
internal sealed class RotaryEmbedding
{
    /// <summary>Llama's rotary base; llama2.c checkpoints do not store it.</summary>
    public const float Theta = 10000f;

    private readonly int _headDim;
    private readonly int _pairs;        // head_dim / 2
    private readonly float[] _cos;      // [positions][head_dim / 2]
    private readonly float[] _sin;      // [positions][head_dim / 2]

    /// <summary>Builds the tables for positions 0..<paramref name="positions"/>−1.</summary>
    public RotaryEmbedding(int headDim, int positions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(positions);
        _headDim = headDim;
        _pairs = headDim / 2;
        _cos = new float[(long)positions * _pairs];
        _sin = new float[(long)positions * _pairs];
        for (int pos = 0; pos < positions; pos++)
        {
            for (int m = 0; m < _pairs; m++)
            {
                float frequency = 1.0f / MathF.Pow(Theta, 2 * m / (float)headDim);
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
    public void Apply(Span<float> query, Span<float> key, int position)
    {
        var cos = _cos.AsSpan(position * _pairs, _pairs);
        var sin = _sin.AsSpan(position * _pairs, _pairs);
        Rotate(query, cos, sin);
        Rotate(key, cos, sin);
    }

    private void Rotate(Span<float> vector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
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
}
