using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench;

/// <summary>
/// The attention share of a token: <see cref="AttentionKernels.Decode"/> for every layer of
/// stories260K at positions 0..255, as the golden run calls it. One operation is one token
/// (five layer calls), so this column is directly comparable with the end-to-end one.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class AttentionDecodeBenchmarks
{
    private const int Positions = 256;
    private AttentionKernels _kernels = null!;
    private KvCache _cache = null!;
    private float[] _query = null!;
    private float[] _key = null!;
    private float[] _value = null!;
    private float[] _output = null!;

    /// <summary>The attention kernels under test.</summary>
    [Params(StoriesModel.Generated, StoriesModel.Generic, StoriesModel.Reference)]
    public string Kernels { get; set; } = StoriesModel.Generated;

    /// <summary>Creates the kernels, their cache and random vectors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var shape = StoriesModel.Checkpoint.Shape;
        _kernels = StoriesModel.CreateKernels(Kernels);
        _cache = _kernels.CreateCache(shape.MaxSeqLen);
        var random = new Random(42);
        _query = Random(random, shape.Dim);
        _key = Random(random, shape.KvDim);
        _value = Random(random, shape.KvDim);
        _output = new float[shape.Dim];
    }

    /// <summary>256 positions × 5 layers.</summary>
    [Benchmark(OperationsPerInvoke = Positions)]
    public float Decode256()
    {
        _cache.Reset();
        for (int position = 0; position < Positions; position++)
        {
            for (int layer = 0; layer < _cache.Layers; layer++)
            {
                _kernels.Decode(_cache, layer, position, _query, _key, _value, _output);
            }
        }

        return _output[0];
    }

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }
}
