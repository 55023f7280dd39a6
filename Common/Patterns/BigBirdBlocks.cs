using System;
using System.Collections.Generic;

namespace KernelGen.Patterns;

/// <summary>
/// BigBird's block pattern (Zaheer et al. 2020), causal: query block I attends key block J ≤ I when
/// J is in I's window (I − J &lt; windowBlocks), J is global (J &lt; globalBlocks; global rows need no
/// extra rule, since a causal global row only reaches global columns' blocks and earlier ones),
/// or J is one of I's random blocks.
/// </summary>
/// <remarks>
/// The random blocks are part of the definition, so this is shared by the generator (which bakes
/// the table into the kernel), the runtime's generic kernels and the reference: for each query
/// block, <c>randomBlocks</c> distinct blocks drawn without replacement from the earlier blocks
/// not already attended, by a SplitMix64 stream seeded from (seed, I). Fewer candidates than
/// <c>randomBlocks</c>: all of them.
/// </remarks>
internal static class BigBirdBlocks
{
    /// <summary>For each query block, the sorted key blocks it attends.</summary>
    public static int[][] Build(int blockCount, int windowBlocks, int globalBlocks, int randomBlocks, int seed)
    {
        var table = new int[blockCount][];
        var candidates = new List<int>();
        var chosen = new SortedSet<int>();
        for (int query = 0; query < blockCount; query++)
        {
            chosen.Clear();
            candidates.Clear();
            for (int key = 0; key <= query; key++)
            {
                if (query - key < windowBlocks || key < globalBlocks)
                {
                    chosen.Add(key);
                }
                else
                {
                    candidates.Add(key);
                }
            }

            ulong state = unchecked(((ulong)(uint)seed << 32) ^ (ulong)query ^ 0x9E3779B97F4A7C15UL);
            int picks = Math.Min(randomBlocks, candidates.Count);
            for (int p = 0; p < picks; p++)
            {
                // Partial Fisher–Yates: move a random remaining candidate to position p.
                int remaining = candidates.Count - p;
                int pick = p + (int)(Next(ref state) % (ulong)remaining);
                (candidates[p], candidates[pick]) = (candidates[pick], candidates[p]);
                chosen.Add(candidates[p]);
            }

            table[query] = new int[chosen.Count];
            chosen.CopyTo(table[query]);
        }

        return table;
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same on every platform.</summary>
    private static ulong Next(ref ulong state)
    {
        unchecked
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
