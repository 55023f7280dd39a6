using System;
using System.Buffers.Binary;
using KernelGen.Checkpoints;

namespace KernelGen.Quantization;

/// <summary>
/// Scalar dequantization of whole rows, operation for operation as ggml's reference
/// <c>dequantize_row_*</c> (llama.cpp <c>ggml/src/ggml-quants.c</c>), so its floats are ggml's bit for
/// bit: the same products in the same order (<c>(d·scale)·q − dmin·min</c> for the K types).
/// </summary>
/// <remarks>
/// The embedding lookup reads one row of the token embedding through here, and the matrix-vector
/// kernels' scalar path uses it block by block; the vector kernels decode the same bits in registers.
/// </remarks>
public static class Dequantization
{
    /// <summary>Dequantizes <paramref name="row"/> (whole blocks of <paramref name="type"/>) into <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">The lengths do not match a whole number of blocks.</exception>
    public static void DequantizeRow(GgufTensorType type, ReadOnlySpan<byte> row, Span<float> values)
    {
        long bytes = QuantizedBlocks.RowBytes(type, values.Length);
        if (bytes != row.Length)
        {
            throw new ArgumentException(
                $"{values.Length} values of {type} take {(bytes < 0 ? "no whole number of blocks" : bytes + " bytes")}, but {row.Length} bytes were given.", nameof(row));
        }

        int blockBytes = QuantizedBlocks.BlockBytes(type), blockValues = QuantizedBlocks.BlockValues(type);
        for (int b = 0; b < values.Length / blockValues; b++)
        {
            var block = row.Slice(b * blockBytes, blockBytes);
            var y = values.Slice(b * blockValues, blockValues);
            switch (type)
            {
                case GgufTensorType.F32: y[0] = BinaryPrimitives.ReadSingleLittleEndian(block); break;
                case GgufTensorType.F16: y[0] = (float)BinaryPrimitives.ReadHalfLittleEndian(block); break;
                case GgufTensorType.BF16: y[0] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block) << 16); break;
                case GgufTensorType.Q4_0: Q4_0(block, y); break;
                case GgufTensorType.Q5_0: Q5_0(block, y); break;
                case GgufTensorType.Q8_0: Q8_0(block, y); break;
                case GgufTensorType.Q4_K: Q4_K(block, y); break;
                case GgufTensorType.Q5_K: Q5_K(block, y); break;
                case GgufTensorType.Q6_K: Q6_K(block, y); break;
                default: throw new ArgumentOutOfRangeException(nameof(type), type, $"{type} is not a tensor type KernelGen reads.");
            }
        }
    }

    /// <summary>A float16 stored little-endian at <paramref name="offset"/>, widened (exactly).</summary>
    internal static float Half(ReadOnlySpan<byte> block, int offset) => (float)BinaryPrimitives.ReadHalfLittleEndian(block[offset..]);

    /// <summary>
    /// The 6-bit scale and minimum of sub-block <paramref name="j"/> (0..7) of a Q4_K/Q5_K super-block,
    /// packed in 12 bytes: sub-blocks 0–3 in the low 6 bits of bytes 0–3 (scales) and 4–7 (minima);
    /// 4–7 in the nibbles of bytes 8–11 with their top two bits in the spare bits of bytes 0–7.
    /// </summary>
    internal static (int Scale, int Min) ScaleMin(ReadOnlySpan<byte> scales, int j)
    {
        if (j < 4)
        {
            return (scales[j] & 63, scales[j + 4] & 63);
        }

        return ((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4), (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
    }

    /// <summary>y[j] = (nibble − 8)·d; low nibbles are values 0–15, high nibbles 16–31.</summary>
    private static void Q4_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 0);
        var qs = block.Slice(2, 16);
        for (int j = 0; j < 16; j++)
        {
            y[j] = ((qs[j] & 0x0F) - 8) * d;
            y[j + 16] = ((qs[j] >> 4) - 8) * d;
        }
    }

    /// <summary>As Q4_0 with bit j of the 32-bit qh as the fifth bit of value j, offset 16.</summary>
    private static void Q5_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 0);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(block[2..]);
        var qs = block.Slice(6, 16);
        for (int j = 0; j < 16; j++)
        {
            int high0 = (int)((qh >> j) << 4) & 0x10;
            int high1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (((qs[j] & 0x0F) | high0) - 16) * d;
            y[j + 16] = (((qs[j] >> 4) | high1) - 16) * d;
        }
    }

    /// <summary>y[j] = q[j]·d.</summary>
    private static void Q8_0(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 0);
        for (int j = 0; j < 32; j++)
        {
            y[j] = (sbyte)block[2 + j] * d;
        }
    }

    /// <summary>Per 64 values: low nibbles of 32 bytes with (scale, min) of sub-block 2i, high nibbles with 2i+1; y = (d·scale)·q − dmin·min.</summary>
    private static void Q4_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 0), dmin = Half(block, 2);
        var scales = block.Slice(4, 12);
        var qs = block.Slice(16, 128);
        for (int i = 0; i < 4; i++)
        {
            var (scale0, min0) = ScaleMin(scales, 2 * i);
            var (scale1, min1) = ScaleMin(scales, 2 * i + 1);
            float d1 = d * scale0, m1 = dmin * min0, d2 = d * scale1, m2 = dmin * min1;
            var q = qs.Slice(32 * i, 32);
            for (int l = 0; l < 32; l++)
            {
                y[64 * i + l] = d1 * (q[l] & 0x0F) - m1;
            }

            for (int l = 0; l < 32; l++)
            {
                y[64 * i + 32 + l] = d2 * (q[l] >> 4) - m2;
            }
        }
    }

    /// <summary>As Q4_K, with bit 2i (low nibbles) or 2i+1 (high nibbles) of qh[l] adding 16.</summary>
    private static void Q5_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 0), dmin = Half(block, 2);
        var scales = block.Slice(4, 12);
        var qh = block.Slice(16, 32);
        var qs = block.Slice(48, 128);
        for (int i = 0; i < 4; i++)
        {
            var (scale0, min0) = ScaleMin(scales, 2 * i);
            var (scale1, min1) = ScaleMin(scales, 2 * i + 1);
            float d1 = d * scale0, m1 = dmin * min0, d2 = d * scale1, m2 = dmin * min1;
            int bit0 = 1 << (2 * i), bit1 = 2 << (2 * i);
            var q = qs.Slice(32 * i, 32);
            for (int l = 0; l < 32; l++)
            {
                y[64 * i + l] = d1 * ((q[l] & 0x0F) + ((qh[l] & bit0) != 0 ? 16 : 0)) - m1;
            }

            for (int l = 0; l < 32; l++)
            {
                y[64 * i + 32 + l] = d2 * ((q[l] >> 4) + ((qh[l] & bit1) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    /// <summary>
    /// Per 128 values: four 32-value groups, each a nibble of ql (low of ql[l], low of ql[l+32], high
    /// of ql[l], high of ql[l+32]) with two bits of qh[l] above it, minus 32, times d·scale[16-value sub-block].
    /// </summary>
    private static void Q6_K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 208);
        for (int half = 0; half < 2; half++)
        {
            var ql = block.Slice(64 * half, 64);
            var qh = block.Slice(128 + 32 * half, 32);
            var scales = block.Slice(192 + 8 * half, 8);
            var output = y.Slice(128 * half, 128);
            for (int l = 0; l < 32; l++)
            {
                int sub = l / 16;
                int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                output[l] = d * (sbyte)scales[sub] * q1;
                output[l + 32] = d * (sbyte)scales[sub + 2] * q2;
                output[l + 64] = d * (sbyte)scales[sub + 4] * q3;
                output[l + 96] = d * (sbyte)scales[sub + 6] * q4;
            }
        }
    }
}
