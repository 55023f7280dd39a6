using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KernelGen.Bench.Peers;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench.CacheFormats;

/// <summary>
/// One decode step of the generated kernels at d_model 4096 (32 query heads, head_dim 128) with
/// 32 (MHA), 8 (GQA) or 1 (MQA) KV heads against a cache of Context − 1 tokens stored as f32, bf16,
/// f16 or int8: the new token is quantized into position Context − 1 and attends Context keys,
/// each widened in registers as it is read. The "GB/s" column counts the bytes the format stores
/// (int8's scales included), so a bandwidth-bound step shows the same GB/s in every format and a
/// time that falls with the bytes.
/// </summary>
/// <remarks>
/// The targets (issue: compressed KV cache): MHA at 16K and 32K, bf16 ≥ 1.8× and int8 ≥ 3.2× faster
/// than f32, each at ≥ 80% of the read bandwidth; MQA, compute-bound, no format slower than f32.
/// </remarks>
[Config(typeof(DefaultConfig))]
[KvCacheBandwidthColumn]
public class KvCacheDecodeBenchmarks
{
    private const int FillChunk = 1024;

    private AttentionKernels? _kernels;
    private KernelGen.Caching.KvCache? _cache;
    private float[] _query = null!;
    private float[] _key = null!;
    private float[] _value = null!;
    private float[] _output = null!;

    /// <summary>How the cache stores keys and values: f32, bf16, f16 or int8.</summary>
    [Params("f32", "bf16", "f16", "int8")]
    public string Format { get; set; } = "f32";

    [Params(32, 8, 1)]
    public int KvHeads { get; set; }

    /// <summary>Keys the new token attends, itself included.</summary>
    [Params(4096, 16384, 32768)]
    public int Context { get; set; }

    /// <summary>Bytes one step reads: Context positions x KV heads x (keys and values in the format, plus int8's two scales).</summary>
    public static double KvBytesRead(string format, int kvHeads, int context) =>
        (double)context * kvHeads * KvCacheFormats.BytesPerPosition(ParseFormat(format), PeerKernels.DecodeHeadDim);

    /// <summary>The benchmark's format name as a <see cref="KvCacheFormat"/>.</summary>
    public static KvCacheFormat ParseFormat(string format) =>
        KvCacheFormats.TryParse(format, out var parsed)
            ? parsed
            : throw new ArgumentOutOfRangeException(nameof(format), format, "Formats are f32, bf16, f16 and int8.");

    [GlobalSetup]
    public void Setup()
    {
        var shape = PeerKernels.DecodeShape(KvHeads);
        // The cache repeats one random block of rows: the bytes read are what matters, not their values.
        var keys = RandomInputs.Uniform(FillChunk * shape.KvDim, 4);
        var values = RandomInputs.Uniform(FillChunk * shape.KvDim, 5);
        _query = RandomInputs.Uniform(shape.Dim, 6);
        _key = RandomInputs.Uniform(shape.KvDim, 7);
        _value = RandomInputs.Uniform(shape.KvDim, 8);
        _output = new float[shape.Dim];

        _kernels = PeerKernels.Decode(PeerKernels.Generated, KvHeads);
        _cache = _kernels.CreateCache(Context, ParseFormat(Format));
        int cached = Context - 1;
        for (int position = 0; position < cached; position += FillChunk)
        {
            int count = Math.Min(FillChunk, cached - position);
            _cache.Write(0, position, count, keys.AsSpan(0, count * shape.KvDim), values.AsSpan(0, count * shape.KvDim));
        }
    }

    /// <summary>The token at position Context − 1: quantizes its key and value into the cache, attends the whole cache.</summary>
    [Benchmark]
    public void Decode() => _kernels!.Decode(_cache!, 0, Context - 1, _query, _key, _value, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        _kernels = null;
        _cache = null;
    }
}

/// <summary>Adds a "GB/s" column to <see cref="KvCacheDecodeBenchmarks"/>: the bytes the format stores for one step's keys and values, over its time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KvCacheBandwidthColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new ThroughputColumn(
        "GB/s",
        "KV cache bytes read per step in the case's format (keys, values and int8 scales of every attended position) / mean time, 10^9 bytes per second",
        c => KvCacheDecodeBenchmarks.KvBytesRead(
            (string)c.Parameters[nameof(KvCacheDecodeBenchmarks.Format)],
            ThroughputColumn.Parameter(c, nameof(KvCacheDecodeBenchmarks.KvHeads)),
            ThroughputColumn.Parameter(c, nameof(KvCacheDecodeBenchmarks.Context)))));
}
