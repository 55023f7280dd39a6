using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench.Sparse;

/// <summary>
/// One decode step at a given context length (one layer, MQA, 8 heads, head_dim 64): dense reads
/// every cached key, a sliding window of 256 a constant number, strided (l = 128) about l + n/l.
/// </summary>
[Config(typeof(DefaultConfig))]
public class SparseDecodeBenchmarks
{
    private const int ModelLength = 16384;

    private AttentionKernels _kernels = null!;
    private KvCache _cache = null!;
    private float[] _query = null!;
    private float[] _key = null!;
    private float[] _value = null!;
    private float[] _output = null!;

    [Params(1024, 4096, 16384 - 1)]
    public int Context { get; set; }

    [Params("Dense", "Strided", "SlidingWindow")]
    public string Pattern { get; set; } = "Dense";

    [GlobalSetup]
    public void Setup()
    {
        _kernels = SparseKernels.Create(Pattern, ModelLength);
        _cache = _kernels.CreateCache();
        var shape = _kernels.Shape;

        // Fill the cache with Context tokens directly (no attention needed to set up a decode step).
        int chunk = Math.Min(_cache.Layout(0).MaxAppend, 1024);
        var keys = RandomInputs.Uniform(chunk * shape.KvDim, 4);
        var values = RandomInputs.Uniform(chunk * shape.KvDim, 5);
        for (int position = 0; position < Context; position += chunk)
        {
            int n = Math.Min(chunk, Context - position);
            _cache.Write(0, position, n, keys.AsSpan(0, n * shape.KvDim), values.AsSpan(0, n * shape.KvDim));
        }

        _query = RandomInputs.Uniform(shape.Dim, 6);
        _key = RandomInputs.Uniform(shape.KvDim, 7);
        _value = RandomInputs.Uniform(shape.KvDim, 8);
        _output = new float[shape.Dim];
    }

    /// <summary>The token at position Context: writes its key and value, attends the cache.</summary>
    [Benchmark]
    public void Decode() => _kernels.Decode(_cache, 0, Context, _query, _key, _value, _output);
}
