using System;
using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Decoding;

/// <summary>
/// How <see cref="TextGenerator.GenerateAsync"/> and <see cref="TextGenerator.Generate(string, GenerationOptions, System.IO.Stream, System.Threading.CancellationToken)"/>
/// continue a prompt: how many tokens, how they are sampled, and when to stop.
/// </summary>
/// <remarks>
/// Unlike run.c's <see cref="TextGenerator.Generate(string, int, System.IO.Stream)"/>, the prompt does
/// not count against <see cref="MaxNewTokens"/>, it is not echoed, and it goes through the prefill
/// kernels in blocks.
/// </remarks>
public sealed record GenerationOptions
{
    /// <summary>Options with every default: 256 new tokens, greedy, stop at the end of the sequence.</summary>
    public static GenerationOptions Default { get; } = new();

    /// <summary>Most tokens to generate after the prompt; fewer when the context fills up first. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>0 (the default) is greedy: always the likeliest token. Above 0, logits are divided by it before the softmax.</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus sampling mass in [0, 1] when <see cref="Temperature"/> is above 0; 0 or 1 turns it off. Default 0.9 (run.c's).</summary>
    public float TopP { get; init; } = 0.9f;

    /// <summary>When above 0, sample only among the this many likeliest tokens (then apply <see cref="TopP"/> among them); 0 (the default) is off.</summary>
    public int TopK { get; init; }

    /// <summary>Seed of the random coins (not 0); null takes one from the clock. Only used when <see cref="Temperature"/> is above 0.</summary>
    public ulong? Seed { get; init; }

    /// <summary>
    /// Texts that end generation when the output contains one; the stop text itself is not returned.
    /// A stop text may span several tokens: text that could be the start of one is held back until
    /// it is known not to be.
    /// </summary>
    public IReadOnlyList<string> StopSequences { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Stop when the model picks the end-of-sequence token (<see cref="Tokenization.LlamaTokenizer.EosId"/>, the id
    /// GGUF files state as <c>tokenizer.ggml.eos_token_id</c>) or BOS (which starts a new document, as
    /// llama2.c models end a story). Default true; when false, they add no text and generation goes on.
    /// </summary>
    public bool StopAtEndOfSequence { get; init; } = true;

    /// <summary>Checks every value; throws naming the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentException">A stop sequence is null or empty.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, $"MaxNewTokens must be at least 0, but is {MaxNewTokens}.");
        }

        if (!float.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature,
                string.Create(CultureInfo.InvariantCulture, $"Temperature must be a finite number of at least 0 (0 is greedy), but is {Temperature}."));
        }

        if (!float.IsFinite(TopP) || TopP < 0 || TopP > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, string.Create(CultureInfo.InvariantCulture, $"TopP must be between 0 and 1, but is {TopP}."));
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, $"TopK must be at least 0 (0 is off), but is {TopK}.");
        }

        if (Seed == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Seed), Seed, "Seed must not be 0 (the random sequence would stay at 0); use null for a seed from the clock.");
        }

        if (StopSequences is null)
        {
            throw new ArgumentException("StopSequences must not be null; leave it empty for none.", nameof(StopSequences));
        }

        for (int i = 0; i < StopSequences.Count; i++)
        {
            if (string.IsNullOrEmpty(StopSequences[i]))
            {
                throw new ArgumentException($"StopSequences[{i}] is null or empty.", nameof(StopSequences));
            }
        }
    }
}
