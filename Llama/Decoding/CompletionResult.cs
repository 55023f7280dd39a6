using System.Diagnostics;

namespace KernelGen.Decoding;

/// <summary>What one generation with <see cref="GenerationOptions"/> did.</summary>
/// <param name="PromptTokens">Tokens the prompt encoded to, BOS included.</param>
/// <param name="NewTokens">Tokens generated after the prompt (an end-of-sequence token that stopped it included).</param>
/// <param name="StopReason">Why it ended.</param>
/// <param name="PrefillTicks"><see cref="Stopwatch"/> ticks spent on the prompt.</param>
/// <param name="GenerationTicks"><see cref="Stopwatch"/> ticks spent generating after the prompt.</param>
public readonly record struct CompletionResult(int PromptTokens, int NewTokens, GenerationStopReason StopReason, long PrefillTicks, long GenerationTicks)
{
    /// <summary>New tokens per second, the first one (sampled from the prompt's logits) excluded; 0 when under two.</summary>
    public double TokensPerSecond => NewTokens > 1 && GenerationTicks > 0 ? (NewTokens - 1) * (double)Stopwatch.Frequency / GenerationTicks : 0;
}
