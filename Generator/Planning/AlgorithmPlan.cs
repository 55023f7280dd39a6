using System.Globalization;
using KernelGen.Kernels;

namespace KernelGen.Generator.Planning;

/// <summary>
/// The attention algorithm chosen on one SIMD path for the model's decode and prefill calls, by
/// <see cref="AttentionAlgorithms"/>' cost model (the rule the engine applies to each call's actual
/// rows, so generated and generic kernels choose alike).
/// </summary>
/// <param name="Path">"Vector512", "Vector256", "Vector128" or "Scalar".</param>
/// <param name="Bits">The path's vector width; 0 for scalar.</param>
/// <param name="Registers">Vector registers the path has.</param>
/// <param name="TileRows">Rows of the packed algorithm's register tile.</param>
/// <param name="TileVectors">Vectors of keys (scores) or of head_dim (P·V) per row of the tile.</param>
/// <param name="PackedFromRows">Fewest rows per call for which packing pays.</param>
/// <param name="DecodeRows">Rows of a decode call: the query heads of one KV head.</param>
/// <param name="Decode">The decode algorithm.</param>
/// <param name="PrefillRows">Rows of a full prefill tile: positions × the query heads of one KV head.</param>
/// <param name="Prefill">The prefill algorithm.</param>
/// <param name="TwoPassDecode">Decode takes the two-pass softmax (tiny head_dim, <see cref="KernelSizes.UsesTwoPassDecode"/>), not a key-block algorithm.</param>
/// <param name="KeyMajorDecode">Packed decode runs key-major (<see cref="AttentionAlgorithms.KeyMajorDecode"/>): no Kᵀ packing.</param>
internal sealed record AlgorithmPlan(
    string Path,
    int Bits,
    int Registers,
    int TileRows,
    int TileVectors,
    int PackedFromRows,
    int DecodeRows,
    AttentionAlgorithm Decode,
    int PrefillRows,
    AttentionAlgorithm Prefill,
    bool TwoPassDecode = false,
    bool KeyMajorDecode = false)
{
    /// <summary>Registers the tile's inner loop holds: accumulators, loaded vectors, one broadcast.</summary>
    public int TileRegisters => TileRows * TileVectors + TileVectors + 1;

    /// <summary>"decode 32 rows per KV head → packed Kᵀ, scores 6 × 4 Vector512 tile, 29 of 32 registers; prefill ..."</summary>
    public string Describe() =>
        "decode " + Rows(DecodeRows, "per KV head") + " → " + (TwoPassDecode ? "two-pass (above)" : DescribeDecode()) + "; prefill " + Rows(PrefillRows, "per tile") + " → " + Describe(Prefill);

    private string DescribeDecode() => Decode == AttentionAlgorithm.PackedGemm && KeyMajorDecode
        ? "key-major: Qᵀ packed once, keys broadcast from the cache, scores 8 keys × 2 " + Path + ", softmax a row per lane"
        : Describe(Decode);

    private string Describe(AttentionAlgorithm algorithm) => algorithm == AttentionAlgorithm.PackedGemm
        ? "packed Kᵀ, scores " + Invariant(TileRows) + " × " + Invariant(TileVectors) + " " + (Bits == 0 ? "float" : Path) + " tile, " + Invariant(TileRegisters) + " of " + Invariant(Registers) + " registers"
        : "row-dot 2 × 4 (packing pays from " + Invariant(PackedFromRows) + " rows)";

    private static string Rows(int rows, string per) => Invariant(rows) + (rows == 1 ? " row " : " rows ") + per;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
