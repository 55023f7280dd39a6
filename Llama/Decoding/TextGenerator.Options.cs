using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace KernelGen.Decoding;

// Generation with GenerationOptions, beside run.c's loop: new tokens only, prompt prefilled,
// sampling, stop sequences and end of sequence as the options say, cancellation, UTF-8-complete text.
public sealed partial class TextGenerator
{
    /// <summary>
    /// Continues <paramref name="prompt"/> as <paramref name="options"/> say, writing the new text to
    /// <paramref name="output"/> as UTF-8 in complete characters as soon as each is known (the prompt
    /// is not echoed). After the prompt, a token allocates nothing.
    /// </summary>
    /// <param name="prompt">The text to continue; empty starts from BOS alone.</param>
    /// <param name="options">Length, sampling and stopping.</param>
    /// <param name="output">Receives the text; not flushed per token.</param>
    /// <param name="cancellationToken">Checked before every token.</param>
    /// <exception cref="PromptTooLongException">The prompt has more tokens than the context holds.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the text so far has been written.</exception>
    public CompletionResult Generate(string prompt, GenerationOptions options, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(output);
        var run = StartRun(prompt, options);
        bool more;
        do
        {
            more = run.Step(cancellationToken, out var text);
            output.Write(text);
        }
        while (more);

        return Result(run);
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> as <paramref name="options"/> say, yielding the new text
    /// in pieces that are whole UTF-8 characters (a character split across tokens comes out once it
    /// is complete; text that may begin a stop sequence waits until it is known not to). The prompt
    /// is prefilled through the prefill kernels and not echoed.
    /// </summary>
    /// <remarks>
    /// <para>Each token runs on the thread that asks for the next piece; the enumerator never waits
    /// on anything, so every <c>MoveNextAsync</c> completes synchronously. What it allocates: the
    /// enumerator and the run's buffers once per call, then one string per piece yielded (a token that
    /// releases no text yields nothing and allocates nothing). <see cref="Generate(string, GenerationOptions, Stream, CancellationToken)"/>
    /// allocates nothing per token.</para>
    /// <para>The generator is not thread-safe: one enumeration at a time.</para>
    /// </remarks>
    /// <param name="prompt">The text to continue; empty starts from BOS alone.</param>
    /// <param name="options">Length, sampling and stopping; null for <see cref="GenerationOptions.Default"/>.</param>
    /// <param name="cancellationToken">Checked before every token; cancelling ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PromptTooLongException">The prompt has more tokens than the context holds.</exception>
    public async IAsyncEnumerable<string> GenerateAsync(string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var run = StartRun(prompt, options ?? GenerationOptions.Default);
        LastCompletion = null;
        while (true)
        {
            bool more = StepToString(run, cancellationToken, out string? piece);
            if (piece is not null)
            {
                yield return piece;
            }

            if (!more)
            {
                break;
            }
        }

        LastCompletion = Result(run);
        await default(ValueTask);  // an async iterator must await; this one never waits
    }

    /// <summary>What the last <see cref="GenerateAsync"/> enumerated to its end did; null while one runs or after one was abandoned.</summary>
    public CompletionResult? LastCompletion { get; private set; }

    // A span cannot live across a yield (CS4007), so the step and the string are made here.
    private static bool StepToString(CompletionRun run, CancellationToken cancellationToken, out string? piece)
    {
        bool more = run.Step(cancellationToken, out var text);
        piece = text.IsEmpty ? null : Encoding.UTF8.GetString(text);
        return more;
    }

    private CompletionRun StartRun(string prompt, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var run = new CompletionRun(this, options);
        run.Start(Encoding.UTF8.GetBytes(prompt));
        return run;
    }

    private static CompletionResult Result(CompletionRun run) =>
        new(run.PromptTokens, run.NewTokens, run.StopReason, run.PrefillTicks, run.GenerationTicks);

    /// <summary>The prompt's tokens, BOS first, in the generator's prompt buffer (valid until the next run).</summary>
    internal ReadOnlySpan<int> EncodeForCompletion(ReadOnlySpan<byte> prompt) =>
        _prompt.AsSpan(0, EncodePrompt(prompt, Session.ContextLength));
}
