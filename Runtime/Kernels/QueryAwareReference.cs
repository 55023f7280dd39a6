using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Patterns;

namespace KernelGen.Kernels;

/// <summary>
/// Quest's selection (Tang et al. 2024) as the paper defines it, plainly and in double precision:
/// the oracle the kernels' bounded-heap selection is tested against, and what
/// <see cref="ReferenceAttention"/> attends on a QueryAware layer. Independent of the engine's code.
/// </summary>
internal static class QueryAwareReference
{
    /// <summary>
    /// The blocks a decode query at <paramref name="position"/> of KV head <paramref name="kvHead"/>
    /// attends besides sinks and window, ascending: of the blocks that hold a key in [g, m) (g the
    /// sinks, m = max(g, p − w + 1) the first recent key), the ⌊(budget − g − w) / b⌋ whose bound
    /// max over the group's heads h of Σ_d max(q_hd·min_d, q_hd·max_d) is highest — from the
    /// cache's per-block key minimum and maximum — ties to the lower block.
    /// </summary>
    public static int[] SelectBlocks(AttentionPattern pattern, KvCache cache, int layer, int kvHead, int groupSize, int position, ReadOnlySpan<float> query)
    {
        int b = pattern.BlockSize, g = pattern.GlobalTokens, w = pattern.Window, d = cache.HeadDim;
        int recent = Math.Max(g, position - w + 1);
        int budgetBlocks = Math.Max(0, (pattern.TokenBudget - g - w) / b);
        var minimum = new float[d];
        var maximum = new float[d];
        var ranked = new List<(double Bound, int Block)>();
        for (int block = 0; block * b < recent; block++)
        {
            if (Math.Max(block * b, g) >= Math.Min((block + 1) * b, recent))
            {
                continue; // no key of the middle [g, m)
            }

            cache.ReadKeyBounds(layer, kvHead, block, minimum, maximum);
            double best = double.NegativeInfinity;
            for (int h = kvHead * groupSize; h < (kvHead + 1) * groupSize; h++)
            {
                double sum = 0;
                for (int c = 0; c < d; c++)
                {
                    double q = query[h * d + c];
                    sum += Math.Max(q * minimum[c], q * maximum[c]);
                }

                best = Math.Max(best, sum);
            }

            ranked.Add((best, block));
        }

        return ranked.OrderByDescending(r => r.Bound).ThenBy(r => r.Block).Take(budgetBlocks).Select(r => r.Block).OrderBy(x => x).ToArray();
    }

    /// <summary>Whether the query at <paramref name="position"/> attends <paramref name="key"/>, given its chosen blocks.</summary>
    public static bool Attends(AttentionPattern pattern, int[] chosenBlocks, int position, int key)
    {
        int g = pattern.GlobalTokens;
        int recent = Math.Max(g, position - pattern.Window + 1);
        return key <= position && (key < g || key >= recent || Array.BinarySearch(chosenBlocks, key / pattern.BlockSize) >= 0);
    }
}
