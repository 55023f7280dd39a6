using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using KernelGen.Sampling;
using KernelGen.Tokenization;

namespace KernelGen.Decoding;

/// <summary>
/// run.c's <c>generate</c>: encode the prompt, feed it token by token, then sample until the step
/// budget runs out or the model picks BOS, writing each token's bytes as it goes.
/// </summary>
/// <remarks>
/// Semantics (docs/FORMATS.md §3): <c>steps</c> counts forward passes, prompt positions included; 0 or
/// more than the context means the whole context. While the prompt lasts, the next token is the
/// prompt's (so the prompt is echoed); after it, the sampler picks. BOS stops generation; EOS does
/// not. Each token prints <see cref="LlamaTokenizer.Decode"/>(previous, next); a final "\n" ends
/// the output. Everything is allocated in the constructor: a run from UTF-8 bytes allocates nothing.
/// </remarks>
public sealed partial class TextGenerator
{
    private readonly int[] _prompt;   // [context] the encoded prompt
    private readonly int[] _tokens;   // [context + 1] the tokens fed, then the last one produced
    private int _tokenCount;

    // Where the current run stands: run.c's token, pos, stop flag and clock.
    private int _token;
    private int _position;
    private bool _stoppedOnBos;
    private long _timerStart;

    /// <summary>Creates a generator over a session, its tokenizer and a sampler.</summary>
    public TextGenerator(DecoderSession session, LlamaTokenizer tokenizer, Sampler sampler)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sampler);
        if (tokenizer.VocabSize != session.Shape.Vocab || sampler.VocabSize != session.Shape.Vocab)
        {
            throw new ArgumentException(
                $"The model has {session.Shape.Vocab} tokens, but the tokenizer has {tokenizer.VocabSize} and the sampler expects {sampler.VocabSize}.");
        }

        Session = session;
        Tokenizer = tokenizer;
        Sampler = sampler;
        _prompt = new int[session.ContextLength];
        _tokens = new int[session.ContextLength + 1];
        PrepareSampling();
    }

    /// <summary>
    /// Compiles the sampler's per-token methods now: otherwise the JIT compiles them at the first
    /// sampled token, inside the loop that run.c's clock times (about 1.3 ms of a 10 ms story on a
    /// cold process). Once per process; a no-op where code is compiled ahead of time.
    /// </summary>
    private static void PrepareSampling()
    {
        if (s_samplingPrepared)
        {
            return;
        }

        RuntimeHelpers.PrepareMethod(typeof(Sampler).GetMethod(nameof(Sampler.Sample))!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(Sampler).GetMethod(nameof(Sampler.ArgMax))!.MethodHandle);
        s_samplingPrepared = true;
    }

    private static bool s_samplingPrepared;

    /// <summary>The session that runs the model.</summary>
    public DecoderSession Session { get; }

    /// <summary>The tokenizer.</summary>
    public LlamaTokenizer Tokenizer { get; }

    /// <summary>The sampler.</summary>
    public Sampler Sampler { get; }

    /// <summary>
    /// Feed the prompt's forced positions through <see cref="DecoderSession.Prefill"/> in blocks
    /// instead of one <see cref="DecoderSession.Forward"/> each. The printed bytes are the same
    /// (the golden tests check it); run.c's clock then starts after the prompt. Off by default,
    /// which is run.c's own loop.
    /// </summary>
    public bool PrefillPrompt { get; init; }

    /// <summary>
    /// The tokens of the last run: the first input (BOS), then every token that came next, the
    /// prompt's and the sampled ones, ending with BOS when the model picked it.
    /// </summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, _tokenCount);

    /// <summary>Encodes <paramref name="prompt"/> as UTF-8 and generates; see <see cref="Generate(ReadOnlySpan{byte}, int, Stream)"/>.</summary>
    public GenerationResult Generate(string prompt, int steps, Stream output)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Generate(Encoding.UTF8.GetBytes(prompt), steps, output);
    }

    /// <summary>Generates from <paramref name="prompt"/>, writing the bytes run.c would print to <paramref name="output"/>.</summary>
    /// <param name="prompt">UTF-8 text (invalid sequences fall back to byte tokens); empty starts from BOS alone.</param>
    /// <param name="steps">Forward passes, prompt included; 0 or more than the context means the whole context.</param>
    /// <param name="output">Receives each token's bytes as soon as it is picked (flushed per token, like run.c), then "\n".</param>
    /// <exception cref="PromptTooLongException">The prompt has more tokens than the context holds.</exception>
    /// <remarks>
    /// Compiled optimized at its first call: its loop runs every token of a story that lasts
    /// milliseconds, too short for tiered compilation to replace tier-0 code.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public GenerationResult Generate(ReadOnlySpan<byte> prompt, int steps, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        int context = Session.ContextLength;
        if (steps == 0 || steps > context)
        {
            steps = context;
        }

        int promptTokens = EncodePrompt(prompt, context);
        Session.Reset();
        long begin = Stopwatch.GetTimestamp();
        _token = _prompt[0];
        _position = 0;
        _stoppedOnBos = false;
        _timerStart = 0;
        _tokens[0] = _token;
        _tokenCount = 1;

        if (PrefillPrompt && promptTokens > 1)
        {
            // The forced positions in blocks; their next tokens are the prompt's, so their logits are never needed.
            int forced = Math.Min(promptTokens - 1, steps);
            Session.Prefill(_prompt.AsSpan(0, forced), 0);
            while (_position < forced && !_stoppedOnBos)
            {
                Emit(_prompt[_position + 1], output);
            }
        }

        while (_position < steps && !_stoppedOnBos)
        {
            var logits = Session.Forward(_token, _position);
            Emit(_position < promptTokens - 1 ? _prompt[_position + 1] : Sampler.Sample(logits), output);
        }

        output.Write("\n"u8);
        output.Flush();
        long end = Stopwatch.GetTimestamp();
        return new GenerationResult(promptTokens, _position, _stoppedOnBos, _timerStart == 0 ? 0 : end - _timerStart, end - begin);
    }

    /// <summary>
    /// The rest of one step of run.c's loop, after the forward pass: advance, record
    /// <paramref name="next"/>, stop on BOS, otherwise print it and make it the current token.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(int next, Stream output)
    {
        _position++;
        _tokens[_tokenCount++] = next;
        if (next == LlamaTokenizer.BosId)
        {
            _stoppedOnBos = true;
            return;
        }

        output.Write(Tokenizer.Decode(_token, next));
        output.Flush();
        _token = next;
        if (_timerStart == 0)
        {
            _timerStart = Stopwatch.GetTimestamp();  // run.c's clock starts after the first pass
        }
    }

    /// <summary>Encodes the prompt into <see cref="_prompt"/>, BOS first; rejects one longer than the context.</summary>
    private int EncodePrompt(ReadOnlySpan<byte> prompt, int context)
    {
        // Cheap bound first, so an enormous prompt is refused before the quadratic merge loop runs.
        int atLeast = Tokenizer.MinTokenCount(prompt.Length);
        if (atLeast > context)
        {
            throw new PromptTooLongException(atLeast, context, isLowerBound: true);
        }

        int[] buffer = ArrayPool<int>.Shared.Rent(LlamaTokenizer.MaxTokenCount(prompt.Length));
        try
        {
            int count = Tokenizer.Encode(prompt, addBos: true, addEos: false, buffer);
            if (count > context)
            {
                throw new PromptTooLongException(count, context, isLowerBound: false);
            }

            buffer.AsSpan(0, count).CopyTo(_prompt);
            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }
}
