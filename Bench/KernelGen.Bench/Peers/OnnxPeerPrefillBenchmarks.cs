using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench.Peers;

/// <summary>
/// Causal prefill of a whole prompt of N tokens, 8 heads, MHA, head_dim 64 or 128: ONNX Runtime's
/// GroupQueryAttention, our generated kernels and our generic kernels, in separate processes on the
/// same inputs. Each run writes the prompt's keys and values to the cache and attends every token
/// to itself and the ones before it.
/// </summary>
/// <remarks>
/// Threads: ORT's intra-op pool and our shared worker pool both use <c>Environment.ProcessorCount</c>
/// threads, the caller's included. Every buffer is allocated in setup; ORT's are bound once.
/// </remarks>
[Config(typeof(SweepConfig))]
[AttentionFlopsColumn]
public class OnnxPeerPrefillBenchmarks
{
    private OnnxPrefillPeer? _onnx;
    private AttentionKernels? _kernels;
    private KvCache? _cache;
    private float[] _query = null!;
    private float[] _keys = null!;
    private float[] _values = null!;
    private float[] _output = null!;

    [Params(PeerKernels.OnnxRuntime, PeerKernels.Generated, PeerKernels.Generic)]
    public string Engine { get; set; } = PeerKernels.Generated;

    [Params(64, 128)]
    public int HeadDim { get; set; }

    /// <summary>Tokens in the prompt.</summary>
    [Params(512, 1024, 2048, 4096, 8192, 16384)]
    public int N { get; set; }

    /// <summary>
    /// Floating-point operations of causal attention, 4 · n²/2 · heads · head_dim: per attended
    /// (query, key) pair a head_dim dot product for the score and a head_dim multiply-add into the
    /// output, over the n²/2 pairs of the causal triangle. Softmax is not counted.
    /// </summary>
    public static double Flops(int headDim, int n) => 4.0 * n * n / 2 * PeerKernels.PrefillHeads * headDim;

    [GlobalSetup]
    public void Setup()
    {
        var shape = PeerKernels.PrefillShape(HeadDim);
        _query = RandomInputs.Uniform(N * shape.Dim, 1);
        _keys = RandomInputs.Uniform(N * shape.KvDim, 2);
        _values = RandomInputs.Uniform(N * shape.KvDim, 3);
        _output = new float[N * shape.Dim];

        if (Engine == PeerKernels.OnnxRuntime)
        {
            _onnx = new OnnxPrefillPeer(shape.Heads, shape.KvHeads, shape.HeadDim, N, Environment.ProcessorCount);
            _query.CopyTo(_onnx.Query);
            _keys.CopyTo(_onnx.Keys);
            _values.CopyTo(_onnx.Values);
            return;
        }

        _kernels = PeerKernels.Prefill(Engine, HeadDim);
        _cache = _kernels.CreateCache(N);
    }

    /// <summary>Attention for all N positions; each run rewrites the cache from position 0.</summary>
    [Benchmark]
    public void Prefill()
    {
        if (_onnx is not null)
        {
            _onnx.Prefill();
        }
        else
        {
            _kernels!.Prefill(_cache!, 0, 0, N, _query, _keys, _values, _output);
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
