using BenchmarkDotNet.Attributes;
using KernelGen.Samples.Stories;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>stories260K (dim 64, GQA 8/4, head_dim 8) as F32 GGUF: "Once upon a time", then 250 greedy tokens.</summary>
[Config(typeof(PeerConfig))]
public class StoriesPeerBenchmarks : PeerDecodeBenchmarks
{
    private const int Decoded = 250;
    private static readonly int[] PromptTokens = StoriesModel.Tokenizer.Encode("Once upon a time");

    protected override string ModelPath
    {
        get
        {
            _ = Stories260K.Shape;   // registers the generated kernels
            return PeerModels.Stories();
        }
    }

    protected override int ContextLength => 512;

    protected override int[] Prompt => PromptTokens;

    protected override int Tokens => Decoded;

    /// <summary>250 tokens after the 5-token prompt (positions 5..254).</summary>
    [Benchmark(OperationsPerInvoke = Decoded)]
    public int Decode250() => DecodeAfterPrompt();
}
