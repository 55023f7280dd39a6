using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench.Peers;

/// <summary>
/// One decode step at d_model 4096 (32 query heads, head_dim 128) with 32 (MHA), 8 (GQA) or 1
/// (MQA) KV heads, against a cache of Context − 1 tokens: the new token is written at position
/// Context − 1 and attends Context keys. ONNX Runtime's GroupQueryAttention, our generated
/// kernels and our generic kernels, in separate processes on the same inputs.
/// </summary>
/// <remarks>
/// Threads: ORT's intra-op pool and our shared worker pool both use <c>Environment.ProcessorCount</c>
/// threads, the caller's included. ORT's cache is its own past_key/past_value buffer, filled
/// directly in setup, bound once and appended in place (shared past/present); ours is a
/// <see cref="KvCache"/> filled with <see cref="KvCache.Write"/>. Both hold exactly Context positions.
/// </remarks>
[Config(typeof(DefaultConfig))]
[KvBandwidthColumn]
public class OnnxPeerDecodeBenchmarks
{
    private const int FillChunk = 1024;

    private OnnxDecodePeer? _onnx;
    private AttentionKernels? _kernels;
    private KvCache? _cache;
    private float[] _query = null!;
    private float[] _key = null!;
    private float[] _value = null!;
    private float[] _output = null!;

    [Params(PeerKernels.OnnxRuntime, PeerKernels.Generated, PeerKernels.Generic)]
    public string Engine { get; set; } = PeerKernels.Generated;

    [Params(32, 8, 1)]
    public int KvHeads { get; set; }

    /// <summary>Keys the new token attends, itself included.</summary>
    [Params(1024, 4096, 16384, 32768)]
    public int Context { get; set; }

    /// <summary>Bytes of keys and values one step reads: Context positions x KV heads x head_dim x 4 B, twice.</summary>
    public static double KvBytesRead(int kvHeads, int context) => 2.0 * context * kvHeads * PeerKernels.DecodeHeadDim * sizeof(float);

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
        int cached = Context - 1;

        if (Engine == PeerKernels.OnnxRuntime)
        {
            _onnx = new OnnxDecodePeer(shape.Heads, shape.KvHeads, shape.HeadDim, Context, Environment.ProcessorCount);
            for (int position = 0; position < cached; position += FillChunk)
            {
                _onnx.Load(position, Math.Min(FillChunk, cached - position), keys, values);
            }

            _query.CopyTo(_onnx.Query);
            _key.CopyTo(_onnx.Key);
            _value.CopyTo(_onnx.Value);
            return;
        }

        _kernels = PeerKernels.Decode(Engine, KvHeads);
        _cache = _kernels.CreateCache(Context);
        for (int position = 0; position < cached; position += FillChunk)
        {
            int count = Math.Min(FillChunk, cached - position);
            _cache.Write(0, position, count, keys.AsSpan(0, count * shape.KvDim), values.AsSpan(0, count * shape.KvDim));
        }
    }

    /// <summary>The token at position Context − 1: writes its key and value, attends the whole cache.</summary>
    [Benchmark]
    public void Decode()
    {
        if (_onnx is not null)
        {
            _onnx.Decode(Context - 1);
        }
        else
        {
            _kernels!.Decode(_cache!, 0, Context - 1, _query, _key, _value, _output);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx?.Dispose();
        _onnx = null;
        _kernels = null;
        _cache = null;
    }
}
