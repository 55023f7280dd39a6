using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Bench.Peers;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Kernels.Engine;

namespace KernelGen.Bench.QueryAware;

/// <summary>
/// One decode step at d_model 4096 (32 query heads, head_dim 128), 32 / 8 / 1 KV heads, against a
/// cache of Context − 1 tokens: the generated dense kernels (<c>dense</c>, which read every key)
/// against the generated query-aware kernels (<c>query-aware</c>: blocks of 16, 4 sinks, a window
/// of 64, Budget keys attended), selection included. Dense ignores Budget: its three rows per
/// shape are the same measurement.
/// </summary>
/// <remarks>
/// Targets (issue: query-aware block selection): at 32K, query-aware ≥ 8× faster than dense for MHA
/// and GQA, ≥ 5× for MQA. The selection's share of a step is
/// <see cref="QueryAwareSelectionBenchmarks"/>'s time over this suite's query-aware time. The
/// alternative to one selection per KV group, a selection per query head, costs about what the
/// 32-KV-head (MHA) query-aware step costs at the same context and budget, whatever the grouping:
/// every head bounds every block and reads its own budget of keys. The GQA and MQA rows against the
/// MHA row measure what selecting once per group saves.
/// </remarks>
[Config(typeof(DefaultConfig))]
public class QueryAwareDecodeBenchmarks
{
    private AttentionKernels? _kernels;
    private KvCache? _cache;
    private float[] _query = null!;
    private float[] _key = null!;
    private float[] _value = null!;
    private float[] _output = null!;

    /// <summary><c>dense</c> or <c>query-aware</c>.</summary>
    [Params("dense", "query-aware")]
    public string Kernel { get; set; } = "dense";

    [Params(32, 8, 1)]
    public int KvHeads { get; set; }

    /// <summary>Keys the new token could attend, itself included.</summary>
    [Params(8192, 16384, 32768)]
    public int Context { get; set; }

    /// <summary>Most keys a query-aware step attends.</summary>
    [Params(1024, 2048, 4096)]
    public int Budget { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = Kernel switch
        {
            "dense" => PeerKernels.Decode(PeerKernels.Generated, KvHeads),
            "query-aware" => QueryAwareKernels.Create(KvHeads, Budget),
            _ => throw new ArgumentOutOfRangeException(nameof(Kernel), Kernel, "Kernels are 'dense' and 'query-aware'."),
        };
        (_cache, _query, _key, _value) = QueryAwareKernels.FilledCache(_kernels, Context);
        _output = new float[_kernels.Shape.Dim];
    }

    /// <summary>The token at position Context − 1: writes its key and value (and the block's key bounds), selects, attends.</summary>
    [Benchmark]
    public void Decode() => _kernels!.Decode(_cache!, 0, Context - 1, _query, _key, _value, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        _kernels = null;
        _cache = null;
    }
}

/// <summary>
/// The selection of one query-aware decode step alone — every candidate block's bound for every KV
/// head (on the workers, as decode runs it) and each head's top blocks — at the shapes of
/// <see cref="QueryAwareDecodeBenchmarks"/>: its time over that suite's query-aware time is the
/// selection's share of a step.
/// </summary>
[Config(typeof(DefaultConfig))]
public class QueryAwareSelectionBenchmarks
{
    private AttentionEngine? _engine;
    private KvCache? _cache;
    private QueryAwareSelection _selection;
    private float[] _query = null!;

    [Params(32, 8, 1)]
    public int KvHeads { get; set; }

    [Params(8192, 16384, 32768)]
    public int Context { get; set; }

    [Params(1024, 2048, 4096)]
    public int Budget { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var kernels = QueryAwareKernels.Create(KvHeads, Budget);
        (_cache, _query, var key, var value) = QueryAwareKernels.FilledCache(kernels, Context);
        kernels.Decode(_cache, 0, Context - 1, _query, key, value, new float[kernels.Shape.Dim]);
        _selection = QueryAwareSelection.Of(kernels.LayerPatterns[0]);
        _engine = new AttentionEngine(kernels.Shape, 1, 4);
    }

    [Benchmark]
    public void Selection() => _engine!.Select<KvFloat32>(_selection, _cache!, 0, Context - 1, _query);

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine = null;
        _cache = null;
    }
}

/// <summary>The generated query-aware decode models by shape and budget, and the cache both suites fill.</summary>
internal static class QueryAwareKernels
{
    private const int FillChunk = 1024;

    public static AttentionKernels Create(int kvHeads, int budget) => (kvHeads, budget) switch
    {
        (32, 1024) => QueryAware32x32Budget1024.CreateKernels(),
        (32, 2048) => QueryAware32x32Budget2048.CreateKernels(),
        (32, 4096) => QueryAware32x32Budget4096.CreateKernels(),
        (8, 1024) => QueryAware32x8Budget1024.CreateKernels(),
        (8, 2048) => QueryAware32x8Budget2048.CreateKernels(),
        (8, 4096) => QueryAware32x8Budget4096.CreateKernels(),
        (1, 1024) => QueryAware32x1Budget1024.CreateKernels(),
        (1, 2048) => QueryAware32x1Budget2048.CreateKernels(),
        (1, 4096) => QueryAware32x1Budget4096.CreateKernels(),
        _ => throw new ArgumentOutOfRangeException(nameof(budget), $"{kvHeads} KV heads, budget {budget}: the models have 32, 8 or 1 KV heads and budgets 1024, 2048 or 4096."),
    };

    /// <summary>
    /// A cache of Context − 1 positions, keys and values uniform random (a block of 1024 rows
    /// repeated, whose bounds differ block to block as random keys' do), and the new token's inputs.
    /// </summary>
    public static (KvCache Cache, float[] Query, float[] Key, float[] Value) FilledCache(AttentionKernels kernels, int context)
    {
        var shape = kernels.Shape;
        var keys = RandomInputs.Uniform(FillChunk * shape.KvDim, 4);
        var values = RandomInputs.Uniform(FillChunk * shape.KvDim, 5);
        var cache = kernels.CreateCache(context);
        int cached = context - 1;
        for (int position = 0; position < cached; position += FillChunk)
        {
            int count = Math.Min(FillChunk, cached - position);
            cache.Write(0, position, count, keys.AsSpan(0, count * shape.KvDim), values.AsSpan(0, count * shape.KvDim));
        }

        return (cache, RandomInputs.Uniform(shape.Dim, 6), RandomInputs.Uniform(shape.KvDim, 7), RandomInputs.Uniform(shape.KvDim, 8));
    }
}
