extern alias generator;

using System;
using System.Linq;
using KernelGen.Generator.Model;
using KernelGen.Generator.Planning;
using KernelGen.Kernels;
using CacheFormat = generator::KernelGen.KvCacheFormat;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>The planner is a pure function of the spec; these pin its choices.</summary>
public class PlannerTests
{
    [Theory]
    [InlineData(8, 16, new[] { 8 })]
    [InlineData(40, 16, new[] { 16, 16, 8 })]
    [InlineData(80, 16, new[] { 16, 16, 16, 16, 16 })]
    [InlineData(96, 8, new[] { 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 })]
    [InlineData(6, 4, new[] { 4, 1, 1 })]
    [InlineData(14, 8, new[] { 8, 4, 1, 1 })]
    [InlineData(4, 1, new[] { 1, 1, 1, 1 })]
    public void Cover_SplitsHeadDimWidestFirst_WithoutRemainderLoop(int headDim, int widest, int[] expected)
    {
        var chunks = KernelPlanner.Cover(headDim, widest);
        Assert.Equal(expected, chunks.Select(c => c.Floats));
        Assert.Equal(headDim, chunks.Sum(c => c.Floats));
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => chunks.Take(i).Sum(c => c.Floats)), chunks.Select(c => c.Offset));
    }

    [Theory]
    [InlineData(8, new[] { "Vector256", "Vector128", "Scalar" })]
    [InlineData(16, new[] { "Vector512", "Vector256", "Vector128", "Scalar" })]
    [InlineData(4, new[] { "Vector128", "Scalar" })]
    [InlineData(2, new[] { "Scalar" })]
    public void Paths_AreOnlyTheWidthsThatFitAFullVector(int headDim, string[] expected)
    {
        var plan = KernelPlanner.Plan(Spec(dim: headDim * 2, heads: 2, kvHeads: 2));
        Assert.Equal(expected, plan.Paths.Select(p => p.Name));
        Assert.Equal(0, plan.Paths.Last().Bits);
    }

    /// <summary>The register tile per path: the most multiply-adds per load that fits the path's registers.</summary>
    [Theory]
    [InlineData(512, 32, 6, 4, 29)]
    [InlineData(256, 16, 6, 2, 15)]
    [InlineData(128, 16, 6, 2, 15)]
    [InlineData(0, 16, 6, 2, 15)]
    public void Tile_FitsThePathsRegisters(int bits, int registers, int rows, int vectors, int used)
    {
        var tile = AttentionAlgorithms.Tile(bits);
        Assert.Equal(registers, AttentionAlgorithms.Registers(bits));
        Assert.Equal((rows, vectors, used), (tile.Rows, tile.Vectors, tile.Registers));
        Assert.True(tile.Registers <= registers);

        // One more row or twice the vectors would not fit (or would not divide the key block).
        Assert.True((tile.Rows + 1) * tile.Vectors + tile.Vectors + 1 > registers || tile.Rows == AttentionAlgorithms.MaxTileRows);
        Assert.Equal(0, KernelPlanner.KeyBlock % (tile.Vectors * AttentionAlgorithms.Lanes(bits)));
    }

    /// <summary>
    /// Decode: MHA has 1 row per KV head and GQA-4/8 f32 4–8, too few to pay for transposing a block,
    /// so they keep the row-dot algorithm; MQA's 32 stacked heads pack on AVX-512 and AVX2. Prefill
    /// tiles (256 rows) pack on every SIMD path. Compressed caches, whose every number row-dot widens
    /// once per 2 rows, pack from a handful of rows; the scalar path, whose packing is only loads and
    /// stores, packs from 2 rows.
    /// </summary>
    [Theory]
    [InlineData(8, 8, 128, "Float32", 512, "RowDot", "PackedGemm")]   // MHA
    [InlineData(32, 1, 128, "Float32", 512, "PackedGemm", "PackedGemm")] // MQA
    [InlineData(32, 4, 128, "Float32", 512, "RowDot", "PackedGemm")]   // GQA-8
    [InlineData(32, 1, 128, "BFloat16", 512, "PackedGemm", "PackedGemm")]
    [InlineData(32, 1, 128, "Int8", 256, "PackedGemm", "PackedGemm")]
    [InlineData(32, 4, 128, "Int8", 256, "PackedGemm", "PackedGemm")]
    [InlineData(32, 32, 128, "Int8", 256, "RowDot", "PackedGemm")]
    [InlineData(32, 1, 128, "Float32", 256, "PackedGemm", "PackedGemm")]
    [InlineData(32, 8, 128, "Float32", 256, "RowDot", "PackedGemm")]  // GQA-4
    [InlineData(8, 8, 128, "Float32", 256, "RowDot", "PackedGemm")]   // MHA prefill tiles of 256 rows
    [InlineData(8, 8, 64, "Float32", 512, "RowDot", "PackedGemm")]
    [InlineData(8, 8, 64, "Float32", 0, "RowDot", "PackedGemm")]
    [InlineData(8, 1, 64, "Float16", 0, "PackedGemm", "PackedGemm")]
    public void Algorithm_PerShapeFormatAndPath(int heads, int kvHeads, int headDim, string formatName, int bits, string decodeName, string prefillName)
    {
        var format = Enum.Parse<CacheFormat>(formatName);
        var decode = Enum.Parse<AttentionAlgorithm>(decodeName);
        var prefill = Enum.Parse<AttentionAlgorithm>(prefillName);
        var spec = Spec(heads * headDim, heads, kvHeads) with { KvCache = format };
        var plan = KernelPlanner.Plan(spec);
        var path = plan.Paths.Single(p => p.Bits == bits);
        var algorithm = plan.Algorithms.Single(a => a.Bits == bits);

        Assert.Equal(plan.Paths.Select(p => p.Name), plan.Algorithms.Select(a => a.Path));
        Assert.Equal(path.Name, algorithm.Path);
        Assert.Equal(heads / kvHeads, algorithm.DecodeRows);
        Assert.Equal(plan.QueryTile * heads / kvHeads, algorithm.PrefillRows);
        Assert.Equal((decode, prefill), (algorithm.Decode, algorithm.Prefill));

        // The choice is the threshold rule, the same the engine applies to each call's rows.
        Assert.Equal(algorithm.DecodeRows >= algorithm.PackedFromRows, decode == AttentionAlgorithm.PackedGemm);
        Assert.Equal(AttentionAlgorithms.PackedFromRows(headDim, bits, format), algorithm.PackedFromRows);
    }

    /// <summary>Packing pays from fewer rows the more a format costs to widen: int8 and f16 before bf16 before f32.</summary>
    [Theory]
    [InlineData(512, 128)]
    [InlineData(256, 64)]
    [InlineData(128, 40)]
    public void PackingPays_SoonerForFormatsThatWiden(int bits, int headDim)
    {
        int f32 = AttentionAlgorithms.PackedFromRows(headDim, bits, CacheFormat.Float32);
        int bf16 = AttentionAlgorithms.PackedFromRows(headDim, bits, CacheFormat.BFloat16);
        int f16 = AttentionAlgorithms.PackedFromRows(headDim, bits, CacheFormat.Float16);
        Assert.True(bf16 < f32, $"bf16 {bf16} vs f32 {f32}");
        Assert.True(f16 <= bf16, $"f16 {f16} vs bf16 {bf16}");
        Assert.True(AttentionAlgorithms.PackedFromRows(headDim, bits, CacheFormat.Int8) <= bf16);
        Assert.Equal(AttentionAlgorithm.RowDot, AttentionAlgorithms.Choose(1, headDim, bits, CacheFormat.Int8));
    }

    [Fact]
    public void Header_StatesTheAlgorithmPerPath()
    {
        var plan = KernelPlanner.Plan(Spec(32 * 128, 32, 1));
        var text = KernelGen.Generator.Emit.KernelEmitter.Emit(plan);
        Assert.Contains("//     Vector512  decode 32 rows per KV head → key-major: Qᵀ packed once, keys broadcast from the cache, scores 8 keys × 2 Vector512, softmax a row per lane", text);
        Assert.Contains("//     Vector256  decode 32 rows per KV head → packed Kᵀ, scores 6 × 2 Vector256 tile, 15 of 16 registers", text);
        var gqa = KernelGen.Generator.Emit.KernelEmitter.Emit(KernelPlanner.Plan(Spec(32 * 128, 32, 8)));
        Assert.Contains("//     Vector256  decode 4 rows per KV head → row-dot 2 × 4 (packing pays from 32 rows)", gqa);
    }

    /// <summary>Key-major decode: exactly a 32-row stack, on 512 bits, with a float32 cache.</summary>
    [Theory]
    [InlineData(32, 512, "Float32", true)]
    [InlineData(32, 256, "Float32", false)]
    [InlineData(32, 512, "BFloat16", false)]
    [InlineData(32, 512, "Int8", false)]
    [InlineData(16, 512, "Float32", false)]
    [InlineData(64, 512, "Float32", false)]
    public void KeyMajorDecode_IsA32RowStackOn512BitsWithFloat32(int rows, int bits, string formatName, bool keyMajor) =>
        Assert.Equal(keyMajor, AttentionAlgorithms.KeyMajorDecode(rows, bits, Enum.Parse<CacheFormat>(formatName)));

    [Theory]
    [InlineData(8, 2, true, "chunks of 2048 keys scored 8 keys a step")]
    [InlineData(16, 4, true, "chunks of 1024 keys scored 8 keys a step")]
    [InlineData(12, 1, true, "4 keys a step on Vector128")]
    [InlineData(6, 1, true, "key by key")]
    [InlineData(17, 1, false, "online softmax")]
    [InlineData(64, 2, false, "key blocks of 64, online softmax")]
    public void Decode_IsTwoPassForHeadDimAtMost16(int headDim, int group, bool twoPass, string described)
    {
        var spec = Spec(dim: headDim * 4 * group, heads: 4 * group, kvHeads: 4);
        Assert.Equal(twoPass, KernelPlanner.Plan(spec).TwoPassDecode);
        Assert.Contains(described, KernelPlanner.DescribeDecode(spec));
    }

    [Fact]
    public void EqualSpecs_GiveEqualPlans() =>
        Assert.Equal(KernelPlanner.Plan(Spec(64, 8, 4)), KernelPlanner.Plan(Spec(64, 8, 4)));

    private static ModelSpec Spec(int dim, int heads, int kvHeads) =>
        new("Samples", "Model", dim, 1, heads, kvHeads, 0, 0, 128, null,
            new[] { PatternSpec.Dense }.ToEquatableArray(), new[] { 0 }.ToEquatableArray());
}
