using System;
using System.Globalization;
using KernelGen.Checkpoints;

namespace KernelGen.Quantization;

/// <summary>
/// The block layouts of ggml's quantized types (llama.cpp <c>ggml/src/ggml-common.h</c>): how many
/// values a block holds and how many bytes it takes. A row of a quantized matrix is a whole number
/// of blocks, stored one after another; the matrix is its rows one after another.
/// </summary>
/// <remarks>
/// <code>
/// Q4_0  { half d; u8 qs[16]; }                                    32 values, 18 bytes
/// Q5_0  { half d; u8 qh[4]; u8 qs[16]; }                          32 values, 22 bytes
/// Q8_0  { half d; i8 qs[32]; }                                    32 values, 34 bytes
/// Q4_K  { half d, dmin; u8 scales[12]; u8 qs[128]; }              256 values, 144 bytes
/// Q5_K  { half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }   256 values, 176 bytes
/// Q6_K  { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }          256 values, 210 bytes
/// </code>
/// </remarks>
public static class QuantizedBlocks
{
    /// <summary>Values in a K-quant super-block (ggml's <c>QK_K</c>).</summary>
    public const int SuperBlock = 256;

    /// <summary>True for the block-quantized types KernelGen runs.</summary>
    public static bool IsQuantized(GgufTensorType type) => type is GgufTensorType.Q4_0 or GgufTensorType.Q5_0 or GgufTensorType.Q8_0
        or GgufTensorType.Q4_K or GgufTensorType.Q5_K or GgufTensorType.Q6_K;

    /// <summary>True for every type KernelGen reads: F32, F16, BF16 and the quantized ones.</summary>
    public static bool IsSupported(GgufTensorType type) => type is GgufTensorType.F32 or GgufTensorType.F16 or GgufTensorType.BF16 || IsQuantized(type);

    /// <summary>Values per block: 32, or 256 for the K types; 1 for the float types.</summary>
    public static int BlockValues(GgufTensorType type) => type switch
    {
        GgufTensorType.Q4_0 or GgufTensorType.Q5_0 or GgufTensorType.Q8_0 => 32,
        GgufTensorType.Q4_K or GgufTensorType.Q5_K or GgufTensorType.Q6_K => SuperBlock,
        _ => 1,
    };

    /// <summary>Bytes per block (per element for the float types).</summary>
    public static int BlockBytes(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        GgufTensorType.Q4_0 => 18,
        GgufTensorType.Q5_0 => 22,
        GgufTensorType.Q8_0 => 34,
        GgufTensorType.Q4_K => 144,
        GgufTensorType.Q5_K => 176,
        GgufTensorType.Q6_K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, $"{type} is not a tensor type KernelGen reads."),
    };

    /// <summary>
    /// Bytes one row of <paramref name="columns"/> values of <paramref name="type"/> takes, or −1
    /// when <paramref name="columns"/> is not a whole number of blocks.
    /// </summary>
    public static long RowBytes(GgufTensorType type, long columns)
    {
        int values = BlockValues(type);
        return columns <= 0 || columns % values != 0 ? -1 : columns / values * BlockBytes(type);
    }

    /// <summary>"Q4_K rows are made of 256-value blocks, but tensor blk.0.ffn_down.weight has rows of 172 values" when a row is not whole blocks; else null.</summary>
    internal static string? RowProblem(GgufTensorType type, string tensor, long columns) =>
        RowBytes(type, columns) >= 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"{type} rows are made of {BlockValues(type)}-value blocks, but tensor {tensor} has rows of {columns} values, which is not a multiple of {BlockValues(type)}");
}
