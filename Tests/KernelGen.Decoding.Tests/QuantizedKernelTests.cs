using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelGen.Checkpoints;
using KernelGen.Quantization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// Every quantized matrix-vector path (Vector512, Vector256, Vector128, scalar) of every block type
/// computes W·x for W dequantized by the reference (<see cref="Dequantization"/>), on any machine:
/// a width the hardware lacks runs in software, with the same arithmetic.
/// </summary>
public sealed class QuantizedKernelTests
{
    public static TheoryData<GgufTensorType, int> Cases() => new()
    {
        { GgufTensorType.Q8_0, 64 }, { GgufTensorType.Q4_0, 96 }, { GgufTensorType.Q5_0, 256 },
        { GgufTensorType.Q4_K, 256 }, { GgufTensorType.Q5_K, 512 }, { GgufTensorType.Q6_K, 768 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryPath_MatchesTheDequantizedProduct(GgufTensorType type, int columns)
    {
        const int Rows = 13;
        var matrix = RandomMatrix(type, Rows, columns, seed: columns);
        var random = new Random(7);
        var x = new float[columns];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var expected = new double[Rows];
        var row = new float[columns];
        for (int r = 0; r < Rows; r++)
        {
            matrix.DequantizeRow(r, row);
            for (int c = 0; c < columns; c++)
            {
                expected[r] += (double)row[c] * x[c];
            }
        }

        var sums = new float[columns / 32];
        QuantizedMatrixVector.BlockSums(x, sums);
        ref byte bytes = ref MemoryMarshal.GetReference(matrix.Bytes);
        var y512 = new float[Rows];
        var y256 = new float[Rows];
        var y128 = new float[Rows];
        var scalar = new float[Rows];
        QuantizedMatrixVector.MultiplyRows<Lanes512, Vector512<float>>(type, ref bytes, matrix.RowBytes, columns, ref x[0], ref sums[0], y512, accumulate: false);
        QuantizedMatrixVector.MultiplyRows<Lanes256, Vector256<float>>(type, ref bytes, matrix.RowBytes, columns, ref x[0], ref sums[0], y256, accumulate: false);
        QuantizedMatrixVector.MultiplyRows<Lanes128, Vector128<float>>(type, ref bytes, matrix.RowBytes, columns, ref x[0], ref sums[0], y128, accumulate: false);
        QuantizedMatrixVector.MultiplyScalar(type, matrix.Bytes, matrix.RowBytes, x, scalar, accumulate: false);

        // The public entry point, accumulating into y, over a window of rows.
        var accumulated = new float[5];
        Array.Fill(accumulated, 1f);
        QuantizedMatrixVector.Multiply(matrix, x, sums, accumulated, firstRow: 4, accumulate: true);

        for (int r = 0; r < Rows; r++)
        {
            double tolerance = 1e-4 * (1 + Math.Abs(expected[r]));
            Assert.InRange(y512[r], expected[r] - tolerance, expected[r] + tolerance);
            Assert.InRange(y256[r], expected[r] - tolerance, expected[r] + tolerance);
            Assert.InRange(y128[r], expected[r] - tolerance, expected[r] + tolerance);
            Assert.InRange(scalar[r], expected[r] - tolerance, expected[r] + tolerance);
            if (r is >= 4 and < 9)
            {
                Assert.InRange(accumulated[r - 4], 1 + expected[r] - tolerance, 1 + expected[r] + tolerance);
            }
        }
    }

    [Fact]
    public void HalfScale_WidensEveryFloat16AsHalfDoes()
    {
        var bytes = new byte[2];
        for (int bits = 0; bits < 1 << 16; bits++)
        {
            bytes[0] = (byte)bits;
            bytes[1] = (byte)(bits >> 8);
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float actual = HalfScale.Read(ref bytes[0]);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"float16 0x{bits:x4}: {actual} instead of {expected}");
        }
    }

    [Fact]
    public void RowsOfPartialBlocks_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new QuantizedMatrix(GgufTensorType.Q4_K, 2, 172, new byte[10]));
        Assert.Contains("172", error.Message, StringComparison.Ordinal);
        Assert.Equal(-1, QuantizedBlocks.RowBytes(GgufTensorType.Q8_0, 172));
        Assert.Equal(6 * 34, QuantizedBlocks.RowBytes(GgufTensorType.Q8_0, 192));
    }

    /// <summary>Random blocks with finite, moderate float16 scales where each layout keeps them.</summary>
    internal static QuantizedMatrix RandomMatrix(GgufTensorType type, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        int blockBytes = QuantizedBlocks.BlockBytes(type);
        var data = new byte[QuantizedBlocks.RowBytes(type, columns) * rows];
        random.NextBytes(data);
        for (int offset = 0; offset < data.Length; offset += blockBytes)
        {
            var block = data.AsSpan(offset, blockBytes);
            Half Scale() => (Half)(random.NextDouble() * 0.02 + 0.001);
            switch (type)
            {
                case GgufTensorType.Q6_K:
                    MemoryMarshal.Write(block[208..], Scale());
                    break;
                case GgufTensorType.Q4_K or GgufTensorType.Q5_K:
                    MemoryMarshal.Write(block, Scale());
                    MemoryMarshal.Write(block[2..], Scale());
                    break;
                default:
                    MemoryMarshal.Write(block, Scale());
                    break;
            }
        }

        return new QuantizedMatrix(type, rows, columns, data);
    }
}

/// <summary>The integer kernels over 8-bit activations compute W·x̃ exactly (int32 sums) for x̃ the rounded activations.</summary>
public sealed class Q8ActivationTests
{
    [Theory]
    [InlineData(GgufTensorType.Q8_0)]
    [InlineData(GgufTensorType.Q4_0)]
    [InlineData(GgufTensorType.Q5_0)]
    [InlineData(GgufTensorType.Q4_K)]
    [InlineData(GgufTensorType.Q5_K)]
    [InlineData(GgufTensorType.Q6_K)]
    public void IntegerProduct_EqualsTheProductWithRoundedActivations(GgufTensorType type)
    {
        if (!Q8Activations.Supports(type))
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx2.IsSupported && KernelGen.Kernels.SimdPolicy.Bits >= 256);
            return;
        }

        const int Rows = 9, Columns = 512;
        var matrix = QuantizedKernelTests.RandomMatrix(type, Rows, Columns, seed: 11);
        var random = new Random(3);
        var x = new float[Columns];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 4 - 2);
        }

        // ggml's rounding of x: per 32 values, d = max|x|/127 (kept as float16), q = round(x·127/max|x|).
        var rounded = new double[Columns];
        for (int b = 0; b < Columns / 256 && Q8Activations.TakesSuperBlocks(type); b++)
        {
            // Q8_K: per 256 values, m the value of largest magnitude; q = min(127, round(x·(−127/m))), scale 1/(−127/m).
            float m = 0;
            for (int i = 0; i < 256; i++)
            {
                m = Math.Abs(x[256 * b + i]) > Math.Abs(m) ? x[256 * b + i] : m;
            }

            float inverse = -127f / m;
            for (int i = 0; i < 256; i++)
            {
                rounded[256 * b + i] = Math.Min(127, MathF.Round(x[256 * b + i] * inverse, MidpointRounding.ToEven)) * (double)(1 / inverse);
            }
        }

        for (int b = 0; b < Columns / 32 && !Q8Activations.TakesSuperBlocks(type); b++)
        {
            float max = 0;
            for (int i = 0; i < 32; i++)
            {
                max = Math.Max(max, Math.Abs(x[32 * b + i]));
            }

            float d = (float)(Half)(max / 127f);
            for (int i = 0; i < 32; i++)
            {
                rounded[32 * b + i] = MathF.Round(x[32 * b + i] * (127f / max), MidpointRounding.ToEven) * (double)d;
            }
        }

        var activations = new Q8Activations(Columns);
        activations.QuantizeFor(type, x);
        var y = new float[Rows - 2];
        Array.Fill(y, 0.5f);
        activations.Multiply(matrix, y, firstRow: 2, accumulate: true);
        var row = new float[Columns];
        for (int r = 2; r < Rows; r++)
        {
            matrix.DequantizeRow(r, row);
            double expected = 0.5;
            for (int c = 0; c < Columns; c++)
            {
                expected += row[c] * rounded[c];
            }

            Assert.InRange(y[r - 2], expected - 1e-4 * (1 + Math.Abs(expected)), expected + 1e-4 * (1 + Math.Abs(expected)));
        }
    }
}
