using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelGen.Generator.Model;

namespace KernelGen.Generator.Planning;

/// <summary>
/// Turns a spec into a plan: which vector widths cover head_dim on each SIMD path, tile sizes and
/// unrolling. Pure: no Roslyn, no I/O, so it is unit-tested directly.
/// </summary>
internal static class KernelPlanner
{
    /// <summary>Keys per online-softmax block: large enough to amortize the rescale, small enough to stay in L1.</summary>
    public const int KeyBlock = 64;

    public static KernelPlan Plan(ModelSpec spec)
    {
        int headDim = spec.HeadDim;
        var paths = new List<SimdPath>();

        // A width is worth a path only when at least one full vector fits in head_dim; otherwise
        // it would run exactly the code of the next narrower path.
        foreach (int floats in new[] { 16, 8, 4 })
        {
            if (headDim >= floats)
            {
                string bits = (floats * 32).ToString(CultureInfo.InvariantCulture);
                paths.Add(new SimdPath("Vector" + bits, floats * 32, Cover(headDim, floats)));
            }
        }

        paths.Add(new SimdPath("Scalar", 0, Cover(headDim, 1)));

        // Prefill tile: enough rows (positions × group heads) to reuse each loaded key many
        // times, few enough that scores and accumulators stay in L1/L2.
        int queryTile = Math.Max(1, Math.Min(32, 64 / spec.GroupSize));

        float scale = 1f / (float)Math.Sqrt(headDim);
        var patterns = new List<PatternPlan>();
        for (int index = 0; index < spec.Patterns.Count; index++)
        {
            var pattern = PatternPlanner.Plan(spec.Patterns[index], spec, index);
            if (patterns.Any(p => p.Name == pattern.Name))
            {
                pattern = pattern with { Name = pattern.Name + index.ToString(CultureInfo.InvariantCulture) };
            }

            patterns.Add(pattern);
        }

        // A query sees at most one segment per component, plus one per block for summary columns and block tables.
        int smallestBlock = patterns.Select(p => p.BlockLength).Where(b => b > 0).DefaultIfEmpty(0).Min();
        int maxSegments = 2 + (smallestBlock > 0 ? (spec.MaxSeqLen + smallestBlock - 1) / smallestBlock : 0);

        return new KernelPlan(
            spec,
            HintName(spec),
            paths.ToEquatableArray(),
            KeyBlock,
            queryTile,
            scale.ToString("R", CultureInfo.InvariantCulture) + "f",
            patterns.ToEquatableArray(),
            maxSegments);
    }

    /// <summary>
    /// Splits head_dim into vectors of at most <paramref name="widest"/> floats, widest first, then
    /// narrower vectors, then scalars: 40 floats at 16 wide is 16 + 16 + 8, so no remainder loop.
    /// </summary>
    public static EquatableArray<VectorChunk> Cover(int headDim, int widest)
    {
        var chunks = new List<VectorChunk>();
        int offset = 0;
        for (int floats = widest; floats >= 1; floats /= 2)
        {
            if (floats != 1 && floats != 4 && floats != 8 && floats != 16)
            {
                continue;
            }

            while (headDim - offset >= floats)
            {
                chunks.Add(new VectorChunk(offset, floats));
                offset += floats;
            }
        }

        return chunks.ToEquatableArray();
    }

    private static string HintName(ModelSpec spec) =>
        (spec.Namespace.Length == 0 ? spec.ClassName : spec.Namespace + "." + spec.ClassName) + ".Kernels.g.cs";
}
