using System;

namespace KernelGen.Kernels;

/// <summary>How one call's rows meet a block of keys.</summary>
internal enum AttentionAlgorithm
{
    /// <summary>
    /// Row-dot: scores as dot products along head_dim, 2 rows × 4 keys at a time, each ending in
    /// horizontal sums; keys and values widened from the cache at every load (once per 2 rows).
    /// </summary>
    RowDot = 0,

    /// <summary>
    /// Packed GEMM: the key block packed once, transposed and widened (int8 scale folded), so keys
    /// lie along the lanes; scores and P·V as register-tiled GEMMs (no horizontal sums); compressed
    /// values widened once per block into an f32 tile.
    /// </summary>
    PackedGemm = 1,
}

/// <summary>A register tile: <see cref="Rows"/> query rows × <see cref="Vectors"/> vectors.</summary>
internal readonly struct RegisterTile : IEquatable<RegisterTile>
{
    public RegisterTile(int rows, int vectors)
    {
        Rows = rows;
        Vectors = vectors;
    }

    /// <summary>Rows (query heads or positions × heads) per tile.</summary>
    public int Rows { get; }

    /// <summary>Vectors per row: of keys (scores on Kᵀ) or of head_dim (the P·V output tile).</summary>
    public int Vectors { get; }

    /// <summary>Registers the tile's inner loop holds: Rows·Vectors accumulators, Vectors loaded packed rows, one broadcast.</summary>
    public int Registers => Rows * Vectors + Vectors + 1;

    public bool Equals(RegisterTile other) => Rows == other.Rows && Vectors == other.Vectors;

    public override bool Equals(object? obj) => obj is RegisterTile other && Equals(other);

    public override int GetHashCode() => Rows * 31 + Vectors;
}

/// <summary>
/// The algorithm and register tile of the attention kernels, one formula each, shared by the
/// planner (which bakes them into the generated header for the model's typical rows) and the
/// engine (which applies the same rule to each call's actual rows, generated and generic kernels alike).
/// </summary>
/// <remarks>
/// <para><b>Tile.</b> On a packed Kᵀ block (keys along the lanes, as in llama.cpp's ggml-cpu tiled
/// flash attention) a score tile of RM rows × RN vectors broadcasts q[r, i] and multiplies it into
/// the RN vectors of packed row i: RM·RN accumulators + RN loaded vectors + 1 broadcast must fit
/// the vector registers. Among RN that divide the block's vectors, the tile with the most
/// multiply-adds per load (RM·RN / (RM + RN)) wins, RM capped at <see cref="MaxTileRows"/>:</para>
/// <code>
/// Vector512 (32 zmm):        6 × 4 = 24 + 4 + 1 = 29 of 32   (64 keys: the whole block in one tile)
/// Vector256 (16 ymm, AVX2):  6 × 2 = 12 + 2 + 1 = 15 of 16
/// Vector128 (16 xmm):        6 × 2 = 12 + 2 + 1 = 15 of 16
/// Scalar    (16 xmm):        6 × 2 = 12 + 2 + 1 = 15 of 16   (floats)
/// </code>
/// <para>The P·V output tile has the same budget (accumulators, loaded value vectors, one
/// broadcast weight) and so the same shape, over vectors of head_dim, held in registers across
/// the block's keys.</para>
/// <para><b>Algorithm.</b> Both algorithms do the same multiply-adds, and on every path the kernels
/// are bound by them; what slows one algorithm against the other is the work that competes with the
/// multiply-adds for the floating-point pipes: shuffles, horizontal adds, widening. Loads, broadcasts
/// from memory and stores issue on the load/store ports beside them (2–3 a cycle against 2
/// multiply-adds on the machines measured), so the model counts only floating-point-pipe
/// instructions of one key block (KB keys, v = ⌈head_dim / lanes⌉ vectors a row, w = widening
/// instructions per vector of the cache format):</para>
/// <code>
/// row-dot, per row:  KB·v·w                key and value vectors widened, each once per 2 rows
///                  + KB·(2·log2(lanes) + 2) / 4   horizontal sums of 4 keys at a time
///                  + 2·KB (int8)           scales multiplied into scores and weights
/// packed, per row:   0                     query and weight broadcasts, tile loads and stores: ports
/// packed, per block: head_dim·KB / 2       Kᵀ by 4 × 4 transposes, 8 shuffles per 16 numbers (SIMD paths)
///                  + head_dim·KB·w / 4     keys widened 4 at a time
///                  + KB·v·w                compressed values widened once
/// </code>
/// <para>Packing pays when rows × row-dot exceeds the per-block cost. With head_dim 128 f32 that is
/// 26 rows on AVX-512 and 32 on AVX2 (16 with head_dim 64), 8 or fewer for compressed caches: MHA
/// decode (1 row per KV head) and GQA-4/8 f32 decode stay row-dot; MQA decode (32 rows) and prefill
/// tiles (64 rows) pack. Measured on AMD Zen 3 (AVX2, 2 cores; prefill 8 heads, n 4096, 64-row
/// tiles): packed 107–112 GFLOP/s against row-dot 92–97 with head_dim 64, 107 against 102 with 128;
/// MQA decode 32 × 128 at 16K: a tie (83–87 both). The previous model, which charged every load,
/// chose row-dot for all three. PlannerTests pins the choices.</para>
/// </remarks>
internal static class AttentionAlgorithms
{
    /// <summary>Most rows of one register tile: more rows buy little reuse and leave no registers for keys.</summary>
    public const int MaxTileRows = 6;

    /// <summary>Vector registers on a path: 32 with AVX-512, 16 on AVX2, SSE and for scalar floats.</summary>
    public static int Registers(int bits) => bits >= 512 ? 32 : 16;

    /// <summary>Floats per vector on a path (1 for scalar).</summary>
    public static int Lanes(int bits) => bits == 0 ? 1 : bits / 32;

    /// <summary>The score tile on Kᵀ (and the P·V output tile) for a path; see the remarks for the rule.</summary>
    public static RegisterTile Tile(int bits)
    {
        int registers = Registers(bits), blockVectors = KernelSizes.KeyBlock / Lanes(bits);
        var best = new RegisterTile(1, 1);
        double bestReuse = 0;
        for (int vectors = 1; vectors <= Math.Min(blockVectors, 8); vectors *= 2)
        {
            int rows = Math.Min(MaxTileRows, (registers - vectors - 1) / vectors);
            if (rows < 1 || blockVectors % vectors != 0)
            {
                continue;
            }

            double reuse = (double)rows * vectors / (rows + vectors);
            if (reuse > bestReuse)
            {
                best = new RegisterTile(rows, vectors);
                bestReuse = reuse;
            }
        }

        return best;
    }

    /// <summary>Widening instructions per loaded vector of a cache format (f16 widens by integer arithmetic and a multiply).</summary>
    public static int WidenCost(KvCacheFormat format) => format switch
    {
        KvCacheFormat.Float32 => 0,
        KvCacheFormat.Float16 => 4,
        _ => 2,
    };

    /// <summary>Floating-point-pipe instructions other than multiply-adds, per row per key block, of the row-dot algorithm.</summary>
    public static double RowDotCostPerRow(int headDim, int bits, KvCacheFormat format)
    {
        int lanes = Lanes(bits), vectors = (headDim + lanes - 1) / lanes, keys = KernelSizes.KeyBlock;
        double cost = (double)keys * vectors * WidenCost(format) + keys * (2 * Log2(lanes) + 2) / 4.0;
        return format == KvCacheFormat.Int8 ? cost + 2 * keys : cost;
    }

    /// <summary>
    /// Floating-point-pipe instructions the packed algorithm spends once per key block: Kᵀ's
    /// transposes (SIMD paths; the scalar path packs by loads and stores) and the widening of
    /// compressed keys and values. Per row it spends none beyond its multiply-adds.
    /// </summary>
    public static double PackCostPerBlock(int headDim, int bits, KvCacheFormat format)
    {
        int lanes = Lanes(bits), vectors = (headDim + lanes - 1) / lanes, keys = KernelSizes.KeyBlock, widen = WidenCost(format);
        double transposes = lanes >= 4 ? headDim * keys / 2.0 : 0;
        return transposes + headDim * keys * widen / 4.0 + (double)keys * vectors * widen;
    }

    /// <summary>
    /// Fewest rows per call for which packing pays: the rows at which row-dot's per-row cost (never
    /// zero: every path sums or stores its scores) covers the per-block packing.
    /// </summary>
    public static int PackedFromRows(int headDim, int bits, KvCacheFormat format) =>
        Math.Max(2, (int)Math.Ceiling(PackCostPerBlock(headDim, bits, format) / RowDotCostPerRow(headDim, bits, format)));

    /// <summary>The algorithm for <paramref name="rows"/> rows of one call against one KV head's keys.</summary>
    public static AttentionAlgorithm Choose(int rows, int headDim, int bits, KvCacheFormat format) =>
        rows >= PackedFromRows(headDim, bits, format) ? AttentionAlgorithm.PackedGemm : AttentionAlgorithm.RowDot;

    /// <summary>Rows of the decode stack that the packed algorithm serves key-major (<see cref="KeyMajorDecode"/>).</summary>
    public const int KeyMajorRows = 32;

    /// <summary>
    /// Whether a packed decode call of <paramref name="rows"/> rows runs key-major: the 32 rows (two
    /// Vector512 of lanes) of the query stack transposed once, each key broadcast from the float32 cache
    /// against them, so no key block is packed and the softmax runs with a row per lane. On a 2-core
    /// Zen 5, MQA 32 × 128 decode at 16K keys went from 880–890 µs to 740–750 µs with it (packing was 8%
    /// of the time and the per-row softmax reductions another 8%). Compressed caches would widen each
    /// key number once per broadcast, and narrower paths hold too few rows per register: both keep Kᵀ packing.
    /// </summary>
    public static bool KeyMajorDecode(int rows, int bits, KvCacheFormat format) =>
        rows == KeyMajorRows && bits >= 512 && format == KvCacheFormat.Float32;

    private static double Log2(int n)
    {
        int log = 0;
        while ((1 << (log + 1)) <= n)
        {
            log++;
        }

        return log;
    }
}
