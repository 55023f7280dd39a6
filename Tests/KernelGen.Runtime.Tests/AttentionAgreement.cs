using System;
using KernelGen.Caching;
using KernelGen.Kernels;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Runs the same sequence of prefill and decode calls through a kernel set and through the
/// reference, on separate caches, and compares every output row. Both caches have the same
/// format, so the reference attends exactly the (rounded) numbers the kernels read.
/// </summary>
internal sealed class AttentionAgreement
{
    /// <summary>Largest ‖out − reference‖∞ / ‖reference‖∞ allowed per call.</summary>
    public const double Tolerance = 1e-5;

    private readonly AttentionKernels _kernels;
    private readonly AttentionKernels _reference;
    private readonly KvCache _cache;
    private readonly KvCache _referenceCache;
    private readonly Random _random;
    private int _position;

    public AttentionAgreement(AttentionKernels kernels, int seed, int? maxSeqLen = null, KvCacheFormat? format = null)
    {
        _kernels = kernels;
        _reference = new ReferenceAttention(kernels.Shape, kernels.LayerPatterns);
        _cache = kernels.CreateCache(maxSeqLen, format);
        _referenceCache = _reference.CreateCache(maxSeqLen, _cache.Format);
        _random = new Random(seed);
    }

    public double WorstError { get; private set; }

    /// <summary>The kernel set's cache, to check its size.</summary>
    public KvCache Cache => _cache;

    /// <summary>A prompt block of <paramref name="count"/> tokens through Prefill, on every layer.</summary>
    public void Prefill(int count)
    {
        var shape = _kernels.Shape;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            var (q, k, v) = RandomInputs(count);
            var actual = new float[count * shape.Dim];
            var expected = new float[count * shape.Dim];
            _kernels.Prefill(_cache, layer, _position, count, q, k, v, actual);
            _reference.Prefill(_referenceCache, layer, _position, count, q, k, v, expected);
            Compare(expected, actual, $"prefill of {count} at {_position}, layer {layer}");
        }

        _position += count;
    }

    /// <summary>One token through Decode, on every layer.</summary>
    public void Decode()
    {
        var shape = _kernels.Shape;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            var (q, k, v) = RandomInputs(1);
            var actual = new float[shape.Dim];
            var expected = new float[shape.Dim];
            _kernels.Decode(_cache, layer, _position, q, k, v, actual);
            _reference.Decode(_referenceCache, layer, _position, q, k, v, expected);
            Compare(expected, actual, $"decode at {_position}, layer {layer}");
        }

        _position++;
    }

    private void Compare(float[] expected, float[] actual, string what)
    {
        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]) || float.IsInfinity(actual[i]), $"{_kernels.Name}: {what}: output {i} is {actual[i]}");
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }

        double relative = error / Math.Max(scale, 1e-30);
        WorstError = Math.Max(WorstError, relative);
        Assert.True(relative <= Tolerance, $"{_kernels.Name}: {what}: relative error {relative:E2} > {Tolerance:E0}");
    }

    private (float[] Q, float[] K, float[] V) RandomInputs(int count)
    {
        var shape = _kernels.Shape;
        return (Fill(count * shape.Dim), Fill(count * shape.KvDim), Fill(count * shape.KvDim));
    }

    private float[] Fill(int n)
    {
        // Spread wide enough that softmax is peaked at some positions and flat at others.
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)(_random.NextDouble() * 4 - 2);
        }

        return values;
    }
}
