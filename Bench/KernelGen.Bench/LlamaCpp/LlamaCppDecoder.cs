using System;
using System.Threading;
using LLama;
using LLama.Common;
using LLama.Native;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// llama.cpp (through LLamaSharp) decoding a GGUF file one token at a time: the peer that KernelGen is
/// measured against and checked with. One sequence, float32 KV cache (as KernelGen's), CPU only.
/// </summary>
/// <remarks>
/// llama.cpp's CPU flash attention rounds through float16 (logits then differ from a float32
/// computation by about 1e-2 on stories260K, against 5e-6 without it), so it is a choice:
/// off for the agreement tests, both ways in the benchmark.
/// </remarks>
public sealed class LlamaCppDecoder : IDisposable
{
    /// <summary>Threads both engines use in the comparisons (the machine's two cores).</summary>
    public const int Threads = 2;

    private static int _logConfigured;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    /// <summary>Loads <paramref name="ggufPath"/> with a context of <paramref name="contextSize"/> positions.</summary>
    /// <param name="ggufPath">The model.</param>
    /// <param name="contextSize">Positions the KV cache holds.</param>
    /// <param name="flashAttention">Use llama.cpp's flash attention (float16 inside), or plain float32 attention.</param>
    /// <param name="threads">Threads for decoding and for prompt batches.</param>
    /// <param name="cacheType">How llama.cpp stores cached keys and values (<c>type_k</c>/<c>type_v</c>); F32 unless a suite compares compressed caches.</param>
    public LlamaCppDecoder(string ggufPath, int contextSize, bool flashAttention = false, int threads = Threads, GGMLType cacheType = GGMLType.GGML_TYPE_F32)
    {
        ConfigureLogging();
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            BatchSize = 512,
            UBatchSize = 512,
            TypeK = cacheType,
            TypeV = cacheType,
            FlashAttention = flashAttention,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
        VocabSize = _context.Vocab.Count;
    }

    /// <summary>llama.cpp logs every load to stderr; keep only its errors. Set once, before the library loads.</summary>
    public static void ConfigureLogging()
    {
        if (Interlocked.Exchange(ref _logConfigured, 1) == 0)
        {
            NativeLibraryConfig.All.WithLogCallback((level, message) =>
            {
                if (level == LLamaLogLevel.Error)
                {
                    Console.Error.Write("[llama.cpp] " + message);
                }
            });
        }
    }

    /// <summary>Tokens in the model's vocabulary.</summary>
    public int VocabSize { get; }

    /// <summary>llama.cpp's own tokenization of <paramref name="text"/>, BOS first.</summary>
    public int[] Tokenize(string text) => Array.ConvertAll(_context.Tokenize(text, addBos: true, special: false), t => (int)t);

    /// <summary>Runs <paramref name="token"/> at <paramref name="position"/> and returns the next token's logits (valid until the next call).</summary>
    public ReadOnlySpan<float> Forward(int token, int position)
    {
        _batch.Clear();
        _batch.Add((LLamaToken)token, position, LLamaSeqId.Zero, true);
        Check(_context.Decode(_batch), position);
        return _context.NativeHandle.GetLogitsIth(0);
    }

    /// <summary>Runs a prompt block at positions <paramref name="start"/>.. in batches; returns the logits after its last token.</summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int start)
    {
        const int Block = 512;
        for (int done = 0; done < tokens.Length; done += Block)
        {
            int count = Math.Min(Block, tokens.Length - done);
            _batch.Clear();
            for (int i = 0; i < count; i++)
            {
                _batch.Add((LLamaToken)tokens[done + i], start + done + i, LLamaSeqId.Zero, done + i == tokens.Length - 1);
            }

            Check(_context.Decode(_batch), start + done);
        }

        return _context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1);
    }

    /// <summary>Forgets every position from <paramref name="length"/> on, so decoding can restart there.</summary>
    public void Truncate(int length) => _context.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, length, -1);

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    /// <summary>The likeliest token: the lowest id among equal logits, exactly as KernelGen's greedy sampler picks.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits) => KernelGen.Sampling.Sampler.ArgMax(logits);

    private static void Check(DecodeResult result, int position)
    {
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp could not decode at position {position}: {result}.");
        }
    }
}
