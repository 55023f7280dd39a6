using System.Diagnostics;

namespace KernelGen.Decoding;

/// <summary>What one <see cref="TextGenerator.Generate(System.ReadOnlySpan{byte}, int, System.IO.Stream)"/> did.</summary>
/// <param name="PromptTokens">Tokens the prompt encoded to, BOS included.</param>
/// <param name="Positions">Forward passes run (run.c's final <c>pos</c>).</param>
/// <param name="StoppedOnBos">True when the model picked BOS, which ends generation.</param>
/// <param name="TimedTicks">
/// <see cref="Stopwatch"/> ticks from the end of the first forward pass to the end (run.c's clock),
/// covering <c>Positions − 1</c> passes.
/// </param>
/// <param name="TotalTicks"><see cref="Stopwatch"/> ticks for the whole run, the first pass included.</param>
public readonly record struct GenerationResult(int PromptTokens, int Positions, bool StoppedOnBos, long TimedTicks, long TotalTicks)
{
    /// <summary>run.c's "achieved tok/s": <c>(pos − 1) / elapsed</c>, timed from the second pass; 0 when under two passes ran.</summary>
    public double TokensPerSecond => Positions > 1 && TimedTicks > 0 ? (Positions - 1) * (double)Stopwatch.Frequency / TimedTicks : 0;

    /// <summary>Milliseconds for the whole run.</summary>
    public double TotalMilliseconds => TotalTicks * 1000.0 / Stopwatch.Frequency;
}
