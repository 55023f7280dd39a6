using System;
using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Patterns;

/// <summary>
/// The effective values of the parameters that express published configurations, where a default
/// (0, null) means "as before": one formula each, read by the rules, the decomposition, the block
/// tables and the runtime's definition.
/// </summary>
internal static class PublishedForms
{
    /// <summary>No context has more blocks than it has tokens, so a larger index is an error before any set is built.</summary>
    private const int MaxBlockIndex = KernelGen.Validation.ShapeRules.MaxSupportedSeqLen;

    /// <summary>Strided: the local band's width in keys, the query's own included.</summary>
    public static int LocalWindow(PatternParameters p) => p.LocalWindow > 0 ? p.LocalWindow : p.Stride;

    /// <summary>Fixed: P, the number of distinct summary slices; head h uses slice h mod P from the block's end.</summary>
    public static int SummaryPatterns(PatternParameters p) =>
        p.SummaryPatterns > 0 ? p.SummaryPatterns : p.PerHeadSummary && p.Summary > 0 ? p.BlockLength / p.Summary : 1;

    /// <summary>
    /// BigBird: key blocks in a query block's causal window, its own included. DeepSpeed's symmetric
    /// num_sliding_window_blocks nsw reaches nsw/2 blocks each side; causally that is nsw/2 + 1.
    /// </summary>
    public static int CausalWindowBlocks(PatternParameters p) =>
        p.SlidingWindowBlocks > 0 ? p.SlidingWindowBlocks / 2 + 1 : p.WindowBlocks;

    /// <summary>BigBird: which of <paramref name="blockCount"/> blocks are global (the first GlobalBlocks and the listed indices).</summary>
    public static bool[] GlobalBlocks(PatternParameters p, int blockCount)
    {
        var global = new bool[blockCount];
        for (int block = 0; block < Math.Min(p.GlobalBlocks, blockCount); block++)
        {
            global[block] = true;
        }

        if (TryParseBlockIndices(p.GlobalBlockIndices, out var indices, out _))
        {
            foreach (int block in indices)
            {
                if (block < blockCount)
                {
                    global[block] = true;
                }
            }
        }

        return global;
    }

    /// <summary>
    /// Reads a block index list such as <c>"0,10"</c> or <c>"0-1, 10"</c> (inclusive ranges; DeepSpeed's
    /// global_block_end_indices are exclusive, so its [0, 2) is "0-1"). Returns the indices sorted
    /// without repeats, or an error naming the bad part. Null or blank text is an empty list.
    /// </summary>
    public static bool TryParseBlockIndices(string? text, out int[] indices, out string? error)
    {
        indices = new int[0];
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var set = new SortedSet<int>();
        foreach (string rawPart in text!.Split(','))
        {
            string part = rawPart.Trim();
            int dash = part.IndexOf('-', part.Length > 1 ? 1 : 0);
            string first = dash > 0 ? part.Substring(0, dash).Trim() : part;
            string last = dash > 0 ? part.Substring(dash + 1).Trim() : part;
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int from)
                || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int to) || to < from)
            {
                error = "'" + part + "' is not a block index or an ascending range like 0-1";
                return false;
            }

            if (to > MaxBlockIndex)
            {
                error = "block " + to.ToString(CultureInfo.InvariantCulture) + " is beyond any context a KV cache supports";
                return false;
            }

            for (int block = from; block <= to; block++)
            {
                set.Add(block);
            }
        }

        indices = new int[set.Count];
        set.CopyTo(indices);
        return true;
    }

    /// <summary>The canonical text of a block index list ("0,1,10"), so equal sets make equal parameters; unreadable text stays as written.</summary>
    public static string? CanonicalBlockIndices(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : TryParseBlockIndices(text, out var indices, out _) ? string.Join(",", Array.ConvertAll(indices, i => i.ToString(CultureInfo.InvariantCulture)))
        : text;
}
