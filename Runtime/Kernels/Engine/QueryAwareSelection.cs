using System;
using KernelGen.Patterns;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// A QueryAware layer's selection, as the engine's decode reads it: generated kernels pass it
/// with every field a constant, the generic kernels build it from the runtime pattern.
/// </summary>
/// <remarks>
/// At position p the keys split into the sinks [0, g), the recent keys [m, p] with
/// m = max(g, p − w + 1), and the middle [g, m). The candidates are the blocks of b keys that
/// meet the middle — all of them complete, since w is a whole number of blocks; a chosen block
/// attends its keys inside the middle. ⌊(budget − g − w) / b⌋ blocks are chosen, so a query
/// attends at most <see cref="TokenBudget"/> keys; when the candidates fit, all are taken and the
/// layer is exactly dense.
/// </remarks>
/// <param name="BlockSize">b: keys per selectable block, the cache's key-bound block.</param>
/// <param name="TokenBudget">Most keys one decode query attends.</param>
/// <param name="SinkTokens">g: the first keys, always attended.</param>
/// <param name="Window">w: the latest keys (the query's own included), always attended.</param>
public readonly record struct QueryAwareSelection(int BlockSize, int TokenBudget, int SinkTokens, int Window)
{
    /// <summary>The selection of a QueryAware runtime pattern.</summary>
    public static QueryAwareSelection Of(AttentionPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Kind != SparsePattern.QueryAware)
        {
            throw new ArgumentException($"{pattern} selects no keys by query; only QueryAware does.", nameof(pattern));
        }

        return new QueryAwareSelection(pattern.BlockSize, pattern.TokenBudget, pattern.GlobalTokens, pattern.Window);
    }

    /// <summary>Blocks chosen per query: what the budget leaves after sinks and window.</summary>
    public int SelectedBlocks => Math.Max(0, (TokenBudget - SinkTokens - Window) / BlockSize);

    /// <summary>m: the first recent key of a query at <paramref name="position"/> (the middle is [g, m)).</summary>
    public int RecentStart(int position) => Math.Max(SinkTokens, position - Window + 1);

    /// <summary>The first candidate block: the one holding key g.</summary>
    public int FirstCandidate => SinkTokens / BlockSize;

    /// <summary>Candidate blocks of a query at <paramref name="position"/>: those meeting [g, m).</summary>
    public int Candidates(int position)
    {
        int recent = RecentStart(position);
        return recent > SinkTokens ? (recent - 1) / BlockSize - FirstCandidate + 1 : 0;
    }
}
