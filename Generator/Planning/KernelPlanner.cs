using System;
using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>Query heads up to which the per-group loop is written out head by head.</summary>
    public const int MaxUnrolledGroup = 8;

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
                paths.Add(new SimdPath("Vector" + bits, floats * 32, "HeadOps" + bits, Cover(headDim, floats)));
            }
        }

        paths.Add(new SimdPath("Scalar", 0, "HeadOpsScalar", Cover(headDim, 1)));

        // Prefill tile: enough rows (positions × group heads) to reuse each loaded key many
        // times, few enough that scores and accumulators stay in L1/L2.
        int queryTile = Math.Max(1, Math.Min(32, 64 / spec.GroupSize));

        float scale = 1f / (float)Math.Sqrt(headDim);
        return new KernelPlan(
            spec,
            HintName(spec),
            paths.ToEquatableArray(),
            KeyBlock,
            queryTile,
            spec.GroupSize <= MaxUnrolledGroup,
            scale.ToString("R", CultureInfo.InvariantCulture) + "f");
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
