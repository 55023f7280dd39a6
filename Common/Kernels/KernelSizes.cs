using System;

namespace KernelGen.Kernels;

/// <summary>
/// The sizes the generated and the generic kernels share, one formula each: the planner bakes them
/// into generated code as constants, the runtime computes them for a shape it meets at run time.
/// </summary>
internal static class KernelSizes
{
    /// <summary>Keys per online-softmax block: large enough to amortize the rescale, small enough to stay in L1.</summary>
    public const int KeyBlock = 64;

    /// <summary>
    /// Query positions per prefill tile: 256 rows (positions × the group's query heads) a tile, so each
    /// key block read and packed serves 256 rows. The tile's queries, outputs and scores (352 KB at
    /// head_dim 128) stay in L2 while K and V stream past. On the causal diagonal a block's work covers
    /// only the rows at or below it, so a taller tile adds no masked work. History: 32 rows (MHA) until a
    /// Zen 3 profile showed packing Kᵀ and reading K/V cost 7–11% of prefill; 64 rows ran 15–20% faster.
    /// On a 2-core Zen 5 (AVX-512), 8 heads, processes alternated: 256 rows against 64, head_dim 128 at
    /// n 4096 and 16384, ran 112–119 ms against 113–134, and 1.64–1.75 s against 1.86–1.99 s; against
    /// 128 rows 3–6% faster in each of three pairs.
    /// </summary>
    public static int QueryTile(int groupSize) => Math.Max(1, 256 / groupSize);

    /// <summary>
    /// Most key segments (decode) or ranges (prefill) one query or tile can need: one per pattern
    /// component, plus one per block for summary columns and block tables.
    /// </summary>
    /// <param name="maxSeqLen">The model's context.</param>
    /// <param name="smallestBlockLength">The shortest block length among the layers' patterns; 0 when none has blocks.</param>
    public static int MaxSegments(int maxSeqLen, int smallestBlockLength) =>
        2 + (smallestBlockLength > 0 ? (maxSeqLen + smallestBlockLength - 1) / smallestBlockLength : 0);

    /// <summary>Largest head_dim whose decode takes the two-pass softmax (<see cref="UsesTwoPassDecode"/>).</summary>
    public const int TwoPassMaxHeadDim = 16;

    /// <summary>
    /// The decode strategy rule, the same for generated and generic kernels: for head_dim ≤ 16 a key
    /// is at most two Vector256, so an online-softmax block spends as much on bookkeeping as on dot
    /// products; such heads score a whole chunk of keys, several keys a step, then take one exp pass
    /// and one value pass. Every SIMD path, cache format and pattern supports it (the scalar path
    /// and head_dims that are no multiple of 4 score key by key).
    /// </summary>
    public static bool UsesTwoPassDecode(int headDim) => headDim <= TwoPassMaxHeadDim;

    /// <summary>
    /// Keys per two-pass chunk: the scores of a group's rows for one chunk are 64 × KeyBlock floats
    /// (16 KB, L1), a quarter of the score scratch a prefill tile has (QueryTile × group rows ×
    /// KeyBlock), so no buffer is added: 4096 keys for groups of 1, 2048 for 2, 1024 for 4, 128 for 32.
    /// </summary>
    public static int TwoPassChunkKeys(int groupSize) => Math.Max(1, 64 / groupSize) * KeyBlock;

    /// <summary>A SIMD path's name: "Vector512", "Vector256", "Vector128", or "Scalar" for 0 bits.</summary>
    public static string PathName(int bits) => bits == 0 ? "Scalar" : "Vector" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
