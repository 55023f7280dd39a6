using System.Collections.Generic;
using KernelGen.Patterns;

namespace KernelGen.Runtime.Tests;

/// <summary>Patterns with parameters chosen so block and stride lengths do not divide the test lengths.</summary>
internal static class PatternCases
{
    public static readonly IReadOnlyDictionary<string, AttentionPattern> All = new Dictionary<string, AttentionPattern>
    {
        ["Dense"] = AttentionPattern.Dense,
        ["SlidingWindow 37"] = AttentionPattern.SlidingWindow(37),
        ["SlidingWindow 1"] = AttentionPattern.SlidingWindow(1),
        ["Strided 13"] = AttentionPattern.Strided(13),
        ["Strided 16 split"] = AttentionPattern.Strided(16, splitHeads: true),
        ["Fixed 20/3"] = AttentionPattern.Fixed(20, 3),
        ["Fixed 24/4 per-head"] = AttentionPattern.Fixed(24, 4, perHeadSummary: true),
        ["Global 3+29"] = AttentionPattern.Global(3, 29),
        ["BigBird 16 w3 g1 r2"] = AttentionPattern.BigBird(16, 3, 1, 2, seed: 7),
        ["BigBird 10 w1 g0 r3"] = AttentionPattern.BigBird(10, 1, 0, 3, seed: 11),
        ["Strided 16 split, local 17 (paper)"] = AttentionPattern.Strided(16, splitHeads: true, localWindow: 17),
        ["Strided 13, local 7"] = AttentionPattern.Strided(13, localWindow: 7),
        ["Fixed 24/4, 3 summary patterns"] = AttentionPattern.Fixed(24, 4, summaryPatterns: 3),
        ["BigBird 16 sw5, globals 0,7, r1 per head among all"] = AttentionPattern.BigBird(16, 0, 0, 1, 3,
            slidingWindowBlocks: 5, globalBlockIndices: "0,7", differentLayoutPerHead: true, randomAmongAllBlocks: true),
        ["BSLongformer 10 sw3, globals 2-3,20"] = AttentionPattern.BigBird(10, 0, 0, 0, 0, slidingWindowBlocks: 3, globalBlockIndices: "2-3,20"),
        ["QueryAware 16, budget 100, 3 sinks, window 32"] = AttentionPattern.QueryAware(16, 100, 3, 32),
        ["QueryAware 8, budget 60, no sinks, window 16"] = AttentionPattern.QueryAware(8, 60, 0, 16),
        ["Layout 32 shared"] = TestLayouts.Shared(32, 300),
        ["Layout 25 per head"] = TestLayouts.PerHead(25, 300, heads: 8),
    };

    public static IEnumerable<object[]> Names()
    {
        foreach (string name in All.Keys)
        {
            yield return new object[] { name };
        }
    }
}

/// <summary>Block layouts built in code for tests: a band plus a few far blocks, different per head.</summary>
internal static class TestLayouts
{
    public static AttentionPattern Shared(int blockSize, int maxSeqLen) =>
        AttentionPattern.Layout(blockSize, new[] { Table(blockSize, maxSeqLen, seed: 1) });

    public static AttentionPattern PerHead(int blockSize, int maxSeqLen, int heads)
    {
        var tables = new int[heads][][];
        for (int h = 0; h < heads; h++)
        {
            tables[h] = Table(blockSize, maxSeqLen, seed: h + 2);
        }

        return AttentionPattern.Layout(blockSize, tables);
    }

    private static int[][] Table(int blockSize, int maxSeqLen, int seed)
    {
        int blocks = (maxSeqLen + blockSize - 1) / blockSize;
        var random = new System.Random(seed);
        var table = new int[blocks][];
        for (int query = 0; query < blocks; query++)
        {
            var keys = new SortedSet<int> { query };
            if (query > 0 && random.Next(2) == 0)
            {
                keys.Add(query - 1);
            }

            for (int extra = 0; extra < 2 && query > 1; extra++)
            {
                keys.Add(random.Next(query));
            }

            table[query] = new List<int>(keys).ToArray();
        }

        return table;
    }
}
