using System;

namespace KernelGen.Decoding;

/// <summary>A prompt that does not fit the model's context.</summary>
public sealed class PromptTooLongException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tokenCount">Tokens the prompt encodes to, BOS included (or the fewest it can encode to, when <paramref name="isLowerBound"/>).</param>
    /// <param name="contextLength">Positions the context holds.</param>
    /// <param name="isLowerBound">True when <paramref name="tokenCount"/> is a lower bound found without encoding the whole prompt.</param>
    public PromptTooLongException(int tokenCount, int contextLength, bool isLowerBound)
        : base($"The prompt is {(isLowerBound ? "at least " : "")}{tokenCount} tokens long (BOS included), but the model's context holds {contextLength}. Shorten the prompt.", "prompt")
    {
        TokenCount = tokenCount;
        ContextLength = contextLength;
    }

    /// <summary>Tokens the prompt encodes to (or at least that many).</summary>
    public int TokenCount { get; }

    /// <summary>Positions the context holds.</summary>
    public int ContextLength { get; }
}
