using System;
using System.Collections.Generic;

namespace KernelGen.Patterns;

/// <summary>
/// BigBird's block pattern (Zaheer et al. 2020), causal: query block I attends key block J ≤ I when
/// J is in I's window (I − J &lt; windowBlocks), J is global (one of the first globalBlocks, or a listed
/// global block index), I is global (a global row attends every earlier block), or J is one of I's
/// random blocks.
/// </summary>
/// <remarks>
/// The random blocks are part of the definition, so this is shared by the generator (which bakes
/// the table into the kernel), the runtime's generic kernels and the reference: for each query
/// block, <c>randomBlocks</c> distinct blocks drawn without replacement by a SplitMix64 stream seeded
/// from (seed, I), and from the head when each head has its own table (head 0's table is the shared
/// one). The candidates are the earlier blocks not already attended; fewer candidates than
/// <c>randomBlocks</c>: all of them. With <see cref="PatternParameters.RandomAmongAllBlocks"/> the
/// candidates are every block up to the diagonal, window and globals included, as DeepSpeed's
/// <c>random.sample(range(0, row + 1), num_random_blocks)</c> draws them, so a draw may land on a
/// block already attended.
/// </remarks>
internal static class BigBirdBlocks
{
    /// <summary>Head <paramref name="head"/>'s table (any head when the heads share one): for each query block, the sorted key blocks it attends.</summary>
    public static int[][] Build(int blockCount, PatternParameters pattern, int head)
    {
        int windowBlocks = PublishedForms.CausalWindowBlocks(pattern);
        bool[] global = PublishedForms.GlobalBlocks(pattern, blockCount);
        int tableSeed = pattern.DifferentLayoutPerHead ? head : 0;
        var table = new int[blockCount][];
        var candidates = new List<int>();
        var chosen = new SortedSet<int>();
        for (int query = 0; query < blockCount; query++)
        {
            chosen.Clear();
            candidates.Clear();
            for (int key = 0; key <= query; key++)
            {
                bool attended = query - key < windowBlocks || global[key] || global[query];
                if (attended)
                {
                    chosen.Add(key);
                }

                if (!attended || pattern.RandomAmongAllBlocks)
                {
                    candidates.Add(key);
                }
            }

            ulong state = unchecked(((ulong)(uint)pattern.Seed << 32) ^ (ulong)query ^ 0x9E3779B97F4A7C15UL ^ ((ulong)tableSeed * 0xD6E8FEB86659FD93UL));
            int picks = Math.Min(pattern.RandomBlocks, candidates.Count);
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
