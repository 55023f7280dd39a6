using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Decoding;

namespace KernelGen.Bench;

/// <summary>
/// Forward passes on a session built once: the per-token path alone, which must allocate nothing
/// (the Allocated column reads 0 B). One operation is one token. "none" times the decoder without
/// attention, so the attention share of a token is the difference.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class DecodeStepBenchmarks
{
    private const int Positions = 256;
    private DecoderSession _session = null!;
    private int[] _tokens = null!;

    /// <summary>The attention kernels under test.</summary>
    [Params(StoriesModel.Generated, StoriesModel.Generic, StoriesModel.None)]
    public string Kernels { get; set; } = StoriesModel.Generated;

    /// <summary>Builds the session and the golden token sequence to feed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // Feed the golden story's tokens, whatever the kernels under test would have picked.
        var generator = StoriesModel.CreateGreedyGenerator(StoriesModel.Generic);
        generator.Generate("Once upon a time"u8, Positions, System.IO.Stream.Null);
        _tokens = generator.Tokens.ToArray();
        _session = StoriesModel.CreateSession(Kernels);
    }

    /// <summary>256 forward passes from an empty cache.</summary>
    [Benchmark(OperationsPerInvoke = Positions)]
    public float Forward256()
    {
        _session.Reset();
        float last = 0;
        for (int position = 0; position < Positions; position++)
        {
            last = _session.Forward(_tokens[position], position)[0];
        }

        return last;
    }
}
