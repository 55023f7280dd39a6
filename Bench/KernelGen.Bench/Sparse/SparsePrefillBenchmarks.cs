using BenchmarkDotNet.Attributes;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench.Sparse;

/// <summary>
/// Prefill of a whole sequence of n tokens (one layer, MQA, 8 heads, head_dim 64) with dense and
/// sparse generated kernels. Dense grows as n²; Strided and Fixed at l ≈ √n as n·√n; a sliding
/// window as n. The report fits each pattern's growth exponent (log-log slope) from these rows.
/// </summary>
[Config(typeof(SweepConfig))]
public class SparsePrefillBenchmarks
{
    private AttentionKernels _kernels = null!;
    private KvCache _cache = null!;
    private float[] _query = null!;
    private float[] _keys = null!;
    private float[] _values = null!;
    private float[] _output = null!;

    [Params(1024, 2048, 4096, 8192, 16384)]
    public int N { get; set; }

    [Params("Dense", "Strided", "Fixed", "SlidingWindow")]
    public string Pattern { get; set; } = "Dense";

    [GlobalSetup]
    public void Setup()
    {
        _kernels = SparseKernels.Create(Pattern, N);
        _cache = _kernels.CreateCache();
        var shape = _kernels.Shape;
        _query = RandomInputs.Uniform(N * shape.Dim, 1);
        _keys = RandomInputs.Uniform(N * shape.KvDim, 2);
        _values = RandomInputs.Uniform(N * shape.KvDim, 3);
        _output = new float[N * shape.Dim];
    }

    /// <summary>Attention for all n positions; each run rewrites the cache from position 0.</summary>
    [Benchmark]
    public void Prefill() => _kernels.Prefill(_cache, 0, 0, N, _query, _keys, _values, _output);
}
