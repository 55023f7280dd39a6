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
    /// Query positions per prefill tile: enough rows (positions × the group's query heads) to reuse
    /// each loaded key many times, few enough that scores and accumulators stay in L1/L2.
    /// </summary>
    public static int QueryTile(int groupSize) => Math.Max(1, Math.Min(32, 64 / groupSize));

    /// <summary>
    /// Most key segments (decode) or ranges (prefill) one query or tile can need: one per pattern
    /// component, plus one per block for summary columns and block tables.
    /// </summary>
    /// <param name="maxSeqLen">The model's context.</param>
    /// <param name="smallestBlockLength">The shortest block length among the layers' patterns; 0 when none has blocks.</param>
    public static int MaxSegments(int maxSeqLen, int smallestBlockLength) =>
        2 + (smallestBlockLength > 0 ? (maxSeqLen + smallestBlockLength - 1) / smallestBlockLength : 0);

    /// <summary>A SIMD path's name: "Vector512", "Vector256", "Vector128", or "Scalar" for 0 bits.</summary>
    public static string PathName(int bits) => bits == 0 ? "Scalar" : "Vector" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
