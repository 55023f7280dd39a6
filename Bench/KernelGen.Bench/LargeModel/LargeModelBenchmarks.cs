using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Sampling;

namespace KernelGen.Bench.LargeModel;

/// <summary>
/// End-to-end greedy decoding of a random-weight model at a realistic shape (dim 768, 12 layers,
/// 12 query heads, hidden 2048, vocab 32000, context 4096) with 12, 4 or 1 KV heads, through the
/// generated kernels: one operation generates <see cref="Tokens"/> tokens from BOS, so tokens/s is
/// Tokens / time. The checkpoint is written once to the temp folder by <see cref="RandomCheckpoint"/>.
/// </summary>
[Config(typeof(LongRunConfig))]
public class LargeModelBenchmarks
{
    private DecoderSession _session = null!;
    private Sampler _greedy = null!;

    [Params(12, 4, 1)]
    public int KvHeads { get; set; }

    [Params(1024, 4000)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (shape, create) = KvHeads switch
        {
            12 => (Large768Mha.Shape, (Func<Kernels.AttentionKernels>)Large768Mha.CreateKernels),
            4 => (Large768Gqa.Shape, Large768Gqa.CreateKernels),
            1 => (Large768Mqa.Shape, Large768Mqa.CreateKernels),
            _ => throw new ArgumentOutOfRangeException(nameof(KvHeads)),
        };

        string path = Path.Combine(Path.GetTempPath(), $"kernelgen-random-768x12-kv{KvHeads}.bin");
        if (!File.Exists(path))
        {
            RandomCheckpoint.Write(path, shape, seed: 1);
        }

        var checkpoint = Llama2cCheckpoint.Load(path, shape, "Large768");
        _session = new LlamaDecoder(checkpoint).CreateSession(create());
        _greedy = Sampler.Greedy(shape.Vocab);
    }

    /// <summary>Greedy decoding of <see cref="Tokens"/> tokens from BOS.</summary>
    [Benchmark]
    public int Generate()
    {
        _session.Reset();
        int token = 1;
        for (int position = 0; position < Tokens; position++)
        {
            token = _greedy.Sample(_session.Forward(token, position));
        }

        return token;
    }
}
