using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Sampling;
using LLama.Native;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// KernelGen and llama.cpp decoding the same random GGUF (<see cref="KvCachePeer4096"/>: MHA, d_model
/// 4096, 32 heads of 128, one layer) at 16K context with compressed KV caches of the matching format:
/// f16 against llama.cpp's <c>type_k/type_v = f16</c>, q8 (KernelGen int8, a scale per position per
/// KV head) against <c>q8_0</c> (a scale per 32 numbers). Both engines run two threads; llama.cpp
/// runs its flash attention, which quantized V caches require. Setup prefills 16352 random tokens;
/// one operation is one token of <see cref="Decoded"/> decoded greedily after them, so Op/s is tokens/s.
/// </summary>
/// <remarks>Target (issue: compressed KV cache): KernelGen ≥ 1.2× llama.cpp's tokens/s with the matching format.</remarks>
[Config(typeof(PeerLongRunConfig))]
public class KvCachePeerBenchmarks
{
    private const int ContextLength = 16384;
    private const int Decoded = 16;
    private const int PromptLength = ContextLength - Decoded - 16;

    private static readonly int[] PromptTokens = RandomPrompt();

    private DecoderSession? _session;
    private LlamaCppDecoder? _peer;
    private int _first;

    /// <summary>KernelGen (generated kernels) or llama.cpp.</summary>
    [Params(PeerDecodeBenchmarks.KernelGenEngine, PeerDecodeBenchmarks.LlamaCppEngine)]
    public string Engine { get; set; } = PeerDecodeBenchmarks.KernelGenEngine;

    /// <summary>The cache format, as both engines name it: f16 or q8.</summary>
    [Params("f16", "q8")]
    public string Format { get; set; } = "f16";

    /// <summary>Loads the engine with its cache format and prefills the prompt.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _ = KvCachePeer4096.Shape;   // registers the generated kernels
        string path = PeerModels.KvCachePeer();
        if (Engine == PeerDecodeBenchmarks.KernelGenEngine)
        {
            var format = Format == "f16" ? KvCacheFormat.Float16 : KvCacheFormat.Int8;
            var checkpoint = ModelCheckpoint.Load(path);
            var kernels = KernelSelection.Create(checkpoint.Shape, KernelChoice.Generated, out string? fallback, checkpoint.LayerPatterns);
            if (fallback is not null)
            {
                throw new InvalidOperationException("Generated kernels were not found: " + fallback);
            }

            _session = new LlamaDecoder(checkpoint).CreateSession(kernels, ContextLength, kvCache: format);
            _first = Sampler.ArgMax(_session.Prefill(PromptTokens, 0));
        }
        else
        {
            var type = Format == "f16" ? GGMLType.GGML_TYPE_F16 : GGMLType.GGML_TYPE_Q8_0;
            _peer = new LlamaCppDecoder(path, ContextLength, flashAttention: true, cacheType: type);
            _first = LlamaCppDecoder.ArgMax(_peer.Prefill(PromptTokens, 0));
        }
    }

    /// <summary>Frees llama.cpp's model and context.</summary>
    [GlobalCleanup]
    public void Cleanup() => _peer?.Dispose();

    /// <summary>16 greedy tokens after the 16352-token prompt.</summary>
    [Benchmark(OperationsPerInvoke = Decoded)]
    public int Decode16At16K()
    {
        int start = PromptTokens.Length, token = _first;
        if (_session is not null)
        {
            for (int position = start; position < start + Decoded; position++)
            {
                token = Sampler.ArgMax(_session.Forward(token, position));
            }

            return token;
        }

        _peer!.Truncate(start);
        for (int position = start; position < start + Decoded; position++)
        {
            token = LlamaCppDecoder.ArgMax(_peer.Forward(token, position));
        }

        return token;
    }

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
