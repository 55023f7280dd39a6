using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelGen.Generator.Model;
using KernelGen.Kernels;

namespace KernelGen.Generator.Planning;

/// <summary>
/// Turns a spec into a plan: which vector widths cover head_dim on each SIMD path, tile sizes and
/// unrolling. Pure: no Roslyn, no I/O, so it is unit-tested directly.
/// </summary>
internal static class KernelPlanner
{
    /// <summary>Keys per online-softmax block (the engine's, from the shared sizes).</summary>
    public const int KeyBlock = KernelSizes.KeyBlock;

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
                paths.Add(new SimdPath(KernelSizes.PathName(floats * 32), floats * 32, Cover(headDim, floats)));
            }
        }

        paths.Add(new SimdPath(KernelSizes.PathName(0), 0, Cover(headDim, 1)));

        // Prefill tile: the same rule the generic kernels use (shared source).
        int queryTile = KernelSizes.QueryTile(spec.GroupSize);

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
        int maxSegments = KernelSizes.MaxSegments(spec.MaxSeqLen, smallestBlock);

        return new KernelPlan(
            spec,
            HintName(spec),
            paths.ToEquatableArray(),
            KeyBlock,
            queryTile,
            patterns.ToEquatableArray(),
            maxSegments)
        {
            Algorithms = PlanAlgorithms(spec, paths, queryTile),
        };
    }

    /// <summary>
    /// The attention algorithm per SIMD path for the model's typical calls: decode has the query heads
    /// of one KV head as rows (1 for MHA, 32 for a 32-head MQA), a prefill tile positions × those
    /// heads. <see cref="AttentionAlgorithms"/> holds the cost model and the register tiles; the
    /// engine applies the same rule to each call's actual rows, so this is what runs on full calls.
    /// The cost is counted for the model's default cache format.
    /// </summary>
    public static EquatableArray<AlgorithmPlan> PlanAlgorithms(ModelSpec spec, IEnumerable<SimdPath> paths, int queryTile)
    {
        int decodeRows = spec.GroupSize, prefillRows = queryTile * spec.GroupSize;
        return paths.Select(path =>
        {
            var tile = AttentionAlgorithms.Tile(path.Bits);
            return new AlgorithmPlan(
                path.Name,
                path.Bits,
                AttentionAlgorithms.Registers(path.Bits),
                tile.Rows,
                tile.Vectors,
                AttentionAlgorithms.PackedFromRows(spec.HeadDim, path.Bits, spec.KvCache),
                decodeRows,
                AttentionAlgorithms.Choose(decodeRows, spec.HeadDim, path.Bits, spec.KvCache),
                prefillRows,
                AttentionAlgorithms.Choose(prefillRows, spec.HeadDim, path.Bits, spec.KvCache),
                ChoosesTwoPassDecode(spec),
                AttentionAlgorithms.KeyMajorDecode(decodeRows, path.Bits, spec.KvCache));
        }).ToEquatableArray();
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

    /// <summary>
    /// The decode strategy: the two-pass softmax (all scores of a chunk, several keys a step, then
    /// one exp pass and one value pass) when head_dim ≤ <see cref="KernelSizes.TwoPassMaxHeadDim"/>,
    /// the rule the generic kernels apply too (<see cref="KernelSizes.UsesTwoPassDecode"/>); every
    /// SIMD path, cache format and pattern supports it. Larger heads keep the online softmax over
    /// key blocks, whose bookkeeping their dot products amortize.
    /// </summary>
    public static bool ChoosesTwoPassDecode(ModelSpec spec) => KernelSizes.UsesTwoPassDecode(spec.HeadDim);

    /// <summary>The header's line on decode: the strategy, its sizes, and why.</summary>
    public static string DescribeDecode(ModelSpec spec)
    {
        if (!ChoosesTwoPassDecode(spec))
        {
            return Invariant($"key blocks of {KeyBlock}, online softmax; each key and value is read once for the group");
        }

        string step = spec.HeadDim is 8 or 16 ? "8 keys a step on Vector256 and wider, 4 on Vector128"
            : spec.HeadDim % 4 == 0 ? "4 keys a step on Vector128 and wider" : "key by key";
        return Invariant($"two-pass softmax (head_dim {spec.HeadDim} <= {KernelSizes.TwoPassMaxHeadDim}): chunks of {KernelSizes.TwoPassChunkKeys(spec.GroupSize)} keys scored {step}, max kept while scoring, one exp pass, one value pass");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string HintName(ModelSpec spec) =>
        (spec.Namespace.Length == 0 ? spec.ClassName : spec.Namespace + "." + spec.ClassName) + ".Kernels.g.cs";
}
