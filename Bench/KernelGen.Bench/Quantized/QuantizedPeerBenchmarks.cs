using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KernelGen.Bench.LlamaCpp;
using KernelGen.Bench.Peers;

namespace KernelGen.Bench.Quantized;

/// <summary>
/// Decoding quantized files that llama.cpp made, by KernelGen and by llama.cpp, side by side: the
/// <see cref="TinyLlamaShape"/> model in Q8_0, Q4_0 and Q4_K_M, a prompt of <see cref="Position"/>
/// tokens already in the cache, then <see cref="Decoded"/> greedy tokens; two threads each, float32
/// KV caches. Op/s is tokens per second; the GB/s column is the file's bytes per token over the time
/// per token, the share of the machine's read bandwidth a weight-streaming decode reaches.
/// </summary>
[Config(typeof(QuantizedPeerConfig))]
[WeightBandwidthColumn]
public class QuantizedPeerBenchmarks : PeerDecodeBenchmarks
{
    /// <summary>Tokens decoded per invocation.</summary>
    public const int Decoded = 8;

    /// <summary>The file: llama.cpp's type name.</summary>
    [ParamsSource(nameof(FileTypes))]
    public string Quantization { get; set; } = "Q4_0";

    /// <summary>Where decoding starts: the prompt's length.</summary>
    [Params(256, 2048)]
    public int Position { get; set; } = 256;

    public static string[] FileTypes => QuantizedModels.FileTypes;

    protected override string ModelPath
    {
        get
        {
            _ = TinyLlamaShape.Shape;   // registers the generated kernels
            return QuantizedModels.Get(Quantization);
        }
    }

    protected override int ContextLength => Position + Decoded;

    protected override int[] Prompt => RandomPrompt(Position);

    protected override int Tokens => Decoded;

    /// <summary><see cref="Decoded"/> greedy tokens after the prompt.</summary>
    [Benchmark(OperationsPerInvoke = Decoded)]
    public int Decode() => DecodeAfterPrompt();

    private static int[] RandomPrompt(int length)
    {
        var random = new Random(QuantizedModels.Seed);
        var tokens = new int[length];
        tokens[0] = 1;
        for (int i = 1; i < tokens.Length; i++)
        {
            tokens[i] = random.Next(3, 512);
        }

        return tokens;
    }
}

/// <summary>Adds a "GB/s" column to the quantized decode suite: the file's bytes per token / mean time per token.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WeightBandwidthColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new ThroughputColumn(
        "GB/s",
        "bytes of the quantized file (every weight is read once per token) / mean time per token, 10^9 bytes per second",
        c => QuantizedModels.FileBytes((string)c.Parameters[nameof(QuantizedPeerBenchmarks.Quantization)])));
}
