using System;
using BenchmarkDotNet.Attributes;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// The random MQA model (dim 768, 12 layers, 12 query heads over 1 KV head, hidden 2048, vocab 32000,
/// context 4096) as F32 GGUF: a 3072-token prompt in the cache, then 32 greedy tokens at positions
/// 3072..3103, three quarters into the context.
/// </summary>
[Config(typeof(PeerLongRunConfig))]
public class MqaPeerBenchmarks : PeerDecodeBenchmarks
{
    private const int PromptLength = 3072;
    private const int Decoded = 32;
    private static readonly int[] PromptTokens = RandomPrompt();

    protected override string ModelPath
    {
        get
        {
            _ = Mqa768.Shape;   // registers the generated kernels
            return PeerModels.Mqa();
        }
    }

    protected override int ContextLength => 4096;

    protected override int[] Prompt => PromptTokens;

    protected override int Tokens => Decoded;

    /// <summary>32 tokens after the 3072-token prompt.</summary>
    [Benchmark(OperationsPerInvoke = Decoded)]
    public int Decode32At3072() => DecodeAfterPrompt();

    private static int[] RandomPrompt()
    {
        var random = new Random(PeerModels.Seed);
        var tokens = new int[PromptLength];
        tokens[0] = 1;
        for (int i = 1; i < tokens.Length; i++)
        {
            tokens[i] = random.Next(3, 512);
        }

        return tokens;
    }
}
