using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelGen.Sampling;
using KernelGen.Tokenization;

namespace KernelGen.Decoding;

/// <summary>
/// One generation with <see cref="GenerationOptions"/>, one token per <see cref="Step"/>: the prompt
/// prefilled, then sample, decode, hold back what is not yet releasable, forward.
/// </summary>
/// <remarks>
/// <para>Text is released in UTF-8-complete pieces: bytes of a character split across byte tokens
/// wait for the rest of it. Text that could be the start of a stop sequence waits until it is known
/// not to be one, so a stop sequence spread over several tokens is found, and never released.</para>
/// <para>Everything is allocated in the constructor (the sampler's scratch, the stop sequences'
/// UTF-8, the holding buffer); a <see cref="Step"/> allocates nothing.</para>
/// </remarks>
internal sealed class CompletionRun
{
    private readonly TextGenerator _generator;
    private readonly DecoderSession _session;
    private readonly LlamaTokenizer _tokenizer;
    private readonly GenerationOptions _options;
    private readonly OptionsSampler _sampler;
    private readonly TextHoldback _text;     // decoded bytes on their way out
    private int _token;                      // the last token fed or sampled
    private int _position;                   // the next position to feed
    private bool _logitsReady;
    private long _generationStart;

    public CompletionRun(TextGenerator generator, GenerationOptions options)
    {
        _generator = generator;
        _session = generator.Session;
        _tokenizer = generator.Tokenizer;
        _options = options;
        ulong seed = options.Seed ?? (ulong)Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _sampler = new OptionsSampler(_session.Shape.Vocab, options.Temperature, options.TopP, options.TopK, seed);
        _text = new TextHoldback(options.StopSequences);
    }

    /// <summary>Tokens the prompt encoded to, BOS included.</summary>
    public int PromptTokens { get; private set; }

    /// <summary>Tokens sampled so far.</summary>
    public int NewTokens { get; private set; }

    /// <summary>Why the run ended; meaningful once <see cref="Step"/> returned false.</summary>
    public GenerationStopReason StopReason { get; private set; }

    /// <summary>True once the run has ended.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Ticks spent on the prompt.</summary>
    public long PrefillTicks { get; private set; }

    /// <summary>Ticks spent generating after the prompt.</summary>
    public long GenerationTicks => _generationStart == 0 ? 0 : Stopwatch.GetTimestamp() - _generationStart;

    /// <summary>Encodes and prefills the prompt.</summary>
    public void Start(ReadOnlySpan<byte> prompt)
    {
        long begin = Stopwatch.GetTimestamp();
        var tokens = _generator.EncodeForCompletion(prompt);
        PromptTokens = tokens.Length;
        _session.Reset();
        _token = tokens[^1];
        _position = tokens.Length;
        if (_options.MaxNewTokens == 0)
        {
            Finish(GenerationStopReason.MaxNewTokens);
            return;
        }

        _session.Prefill(tokens, 0);
        _logitsReady = true;
        _generationStart = Stopwatch.GetTimestamp();
        PrefillTicks = _generationStart - begin;
    }

    /// <summary>
    /// Generates one token. <paramref name="text"/> receives the bytes this step releases (often
    /// empty; valid until the next call). Returns false, with the last held-back bytes, when the run ends.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Step(CancellationToken cancellationToken, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (IsFinished)
        {
            return false;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_logitsReady)
        {
            if (_position >= _session.ContextLength)
            {
                text = _text.Flush();
                Finish(GenerationStopReason.ContextFull);
                return false;
            }

            _session.Forward(_token, _position++);
        }

        _logitsReady = false;
        int next = _sampler.Sample(_session.Logits);
        NewTokens++;
        if (_options.StopAtEndOfSequence && next is LlamaTokenizer.EosId or LlamaTokenizer.BosId)
        {
            text = _text.Flush();
            Finish(GenerationStopReason.EndOfSequence);
            return false;
        }

        bool last = NewTokens >= _options.MaxNewTokens;
        text = _text.Add(_tokenizer.DecodeText(_token, next), last, out bool stopped);
        _token = next;
        if (stopped || last)
        {
            Finish(stopped ? GenerationStopReason.StopSequence : GenerationStopReason.MaxNewTokens);
            return false;
        }

        return true;
    }

    private void Finish(GenerationStopReason reason)
    {
        StopReason = reason;
        IsFinished = true;
    }
}
