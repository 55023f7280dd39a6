using System;
using BenchmarkDotNet.Attributes;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Sampling;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// Greedy decoding of one GGUF file by KernelGen and by llama.cpp, side by side: the same file (F32),
/// the same prompt already in the cache, the same number of threads (<see cref="LlamaCppDecoder.Threads"/>),
/// float32 KV caches in both. One operation is one token (forward pass and argmax), so Op/s is tokens
/// per second. Setup prefills the prompt once; every invocation rewinds to the prompt's end and
/// decodes <see cref="Tokens"/> tokens from there.
/// </summary>
public abstract class PeerDecodeBenchmarks
{
    /// <summary>KernelGen (generated kernels).</summary>
    public const string KernelGenEngine = "KernelGen";

    /// <summary>llama.cpp with float32 attention (flash attention off): the same arithmetic as KernelGen.</summary>
    public const string LlamaCppEngine = "llama.cpp";

    /// <summary>llama.cpp with its CPU flash attention (float16 inside).</summary>
    public const string LlamaCppFlashEngine = "llama.cpp flash-attn";

    private DecoderSession? _session;
    private LlamaCppDecoder? _peer;
    private int _first;

    /// <summary>The engine under test.</summary>
    [Params(KernelGenEngine, LlamaCppEngine, LlamaCppFlashEngine)]
    public string Engine { get; set; } = KernelGenEngine;

    /// <summary>The GGUF file both engines decode.</summary>
    protected abstract string ModelPath { get; }

    /// <summary>Positions the caches hold.</summary>
    protected abstract int ContextLength { get; }

    /// <summary>The prompt, in the cache before anything is timed.</summary>
    protected abstract int[] Prompt { get; }

    /// <summary>Tokens decoded per invocation.</summary>
    protected abstract int Tokens { get; }

    /// <summary>Loads the engine and prefills the prompt.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string path = ModelPath;
        var prompt = Prompt;
        if (Engine == KernelGenEngine)
        {
            var checkpoint = ModelCheckpoint.Load(path);
            var kernels = KernelSelection.Create(checkpoint.Shape, KernelChoice.Generated, out string? fallback, checkpoint.LayerPatterns);
            if (fallback is not null)
            {
                throw new InvalidOperationException("Generated kernels were not found: " + fallback);
            }

            _session = new LlamaDecoder(checkpoint).CreateSession(kernels, ContextLength);
            _first = Sampler.ArgMax(_session.Prefill(prompt, 0));
        }
        else
        {
            _peer = new LlamaCppDecoder(path, ContextLength, flashAttention: Engine == LlamaCppFlashEngine);
            _first = LlamaCppDecoder.ArgMax(_peer.Prefill(prompt, 0));
        }
    }

    /// <summary>Frees llama.cpp's model and context.</summary>
    [GlobalCleanup]
    public void Cleanup() => _peer?.Dispose();

    /// <summary>Decodes <see cref="Tokens"/> tokens greedily after the prompt; returns the last, so nothing is optimized away.</summary>
    protected int DecodeAfterPrompt()
    {
        int start = Prompt.Length, token = _first;
        if (_session is not null)
        {
            for (int position = start; position < start + Tokens; position++)
            {
                token = Sampler.ArgMax(_session.Forward(token, position));
            }

            return token;
        }

        _peer!.Truncate(start);
        for (int position = start; position < start + Tokens; position++)
        {
            token = LlamaCppDecoder.ArgMax(_peer.Forward(token, position));
        }

        return token;
    }
}
