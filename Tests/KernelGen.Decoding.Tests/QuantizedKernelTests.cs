using System;
using System.Linq;
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
    public void HalfScale_WidensFourAtOnceAsItWidensOne()
    {
        if (!System.Runtime.Intrinsics.X86.Sse41.IsSupported)
        {
            return;
        }

        // Every float16 in each of the four lanes (the others holding neighbours), against the one-at-a-time widening.
        var bytes = new byte[8];
        for (int bits = 0; bits < 1 << 16; bits++)
        {
            for (int lane = 0; lane < 4; lane++)
            {
                int value = (bits + 0x1111 * lane) & 0xFFFF;
                bytes[2 * lane] = (byte)value;
                bytes[2 * lane + 1] = (byte)(value >> 8);
            }

            var four = HalfScale.Read4(ref bytes[0], ref bytes[2], ref bytes[4], ref bytes[6]);
            for (int lane = 0; lane < 4; lane++)
            {
                float one = HalfScale.Read(ref bytes[2 * lane]);
                Assert.True(BitConverter.SingleToInt32Bits(one) == BitConverter.SingleToInt32Bits(four.GetElement(lane)), $"float16 0x{bytes[2 * lane + 1]:x2}{bytes[2 * lane]:x2} in lane {lane}: {four.GetElement(lane)} instead of {one}");
            }
        }
    }

    [Fact]
    public void HalfScale_WidensEightAndSixteenAsItWidensOne()
    {
        // Every float16 in every lane, with junk in each lane's upper 16 bits (the Q4_0 kernels widen gathered
        // 32-bit words whose upper half is the next quant bytes), against the one-at-a-time widening.
        var words = new uint[16];
        var bytes = new byte[2];
        for (int bits = 0; bits < 1 << 16; bits++)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                words[lane] = (uint)((bits + 0x1001 * lane) & 0xFFFF) | (uint)(0xA5C3 ^ (bits * 7 + lane)) << 16;
            }

            var sixteen = HalfScale.Widen(System.Runtime.Intrinsics.Vector512.Create(words));
            var eight = HalfScale.Widen(System.Runtime.Intrinsics.Vector256.Create(words.AsSpan(8)));
            for (int lane = 0; lane < 16; lane++)
            {
                bytes[0] = (byte)words[lane];
                bytes[1] = (byte)(words[lane] >> 8);
                int one = BitConverter.SingleToInt32Bits(HalfScale.Read(ref bytes[0]));
                Assert.True(one == BitConverter.SingleToInt32Bits(sixteen.GetElement(lane)), $"float16 0x{words[lane] & 0xFFFF:x4} in lane {lane} of 16: {sixteen.GetElement(lane)}");
                if (lane >= 8)
                {
                    Assert.True(one == BitConverter.SingleToInt32Bits(eight.GetElement(lane - 8)), $"float16 0x{words[lane] & 0xFFFF:x4} in lane {lane - 8} of 8: {eight.GetElement(lane - 8)}");
                }
            }
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

/// <summary>
/// The integer kernels over 8-bit activations compute W·x̃ exactly (int32 sums) for x̃ the rounded
/// activations, on each path this machine runs (Vector512 with AVX-512 BW, Vector256 with AVX2),
/// over row counts that leave a partial four-row tile (a pair and a last odd row), and the two paths
/// give the same bits (each row's float operations are the same on both).
/// </summary>
[Trait("Category", "Simd")]
public sealed class Q8ActivationTests
{
    public static TheoryData<GgufTensorType, int> Cases() => new()
    {
        { GgufTensorType.Q8_0, 512 }, { GgufTensorType.Q8_0, 96 },
        { GgufTensorType.Q4_0, 512 }, { GgufTensorType.Q4_0, 96 }, { GgufTensorType.Q4_0, 160 }, { GgufTensorType.Q4_0, 224 },
        { GgufTensorType.Q5_0, 512 }, { GgufTensorType.Q5_0, 160 }, { GgufTensorType.Q8_0, 32 },
        { GgufTensorType.Q4_K, 512 }, { GgufTensorType.Q5_K, 768 }, { GgufTensorType.Q6_K, 512 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IntegerProduct_EqualsTheProductWithRoundedActivations(GgufTensorType type, int columns)
    {
        if (!Q8Activations.Supports(type))
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx2.IsSupported && KernelGen.Kernels.SimdPolicy.Bits >= 256);
            return;
        }

        const int Rows = 13, First = 2;
        var matrix = QuantizedKernelTests.RandomMatrix(type, Rows, columns, seed: 11 + columns);
        var random = new Random(3);
        var x = new float[columns];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 4 - 2);
        }

        var rounded = Rounded(type, x);
        var activations = new Q8Activations(columns);
        activations.QuantizeFor(type, x);
        var expected = new double[Rows - First];
        var row = new float[columns];
        for (int r = First; r < Rows; r++)
        {
            matrix.DequantizeRow(r, row);
            expected[r - First] = 0.5;
            for (int c = 0; c < columns; c++)
            {
                expected[r - First] += row[c] * rounded[c];
            }
        }

        var paths = System.Runtime.Intrinsics.X86.Avx512BW.IsSupported ? new[] { 512, 256 } : new[] { 256 };
        var results = new float[paths.Length][];
        for (int path = 0; path < paths.Length; path++)
        {
            int bits = paths[path];
            // 11 rows from row 2: two four-row tiles and three rows alone.
            var y = new float[Rows - First];
            Array.Fill(y, 0.5f);
            activations.Multiply(matrix, y, First, accumulate: true, bits);
            results[path] = y;
            for (int r = 0; r < y.Length; r++)
            {
                double tolerance = 1e-4 * (1 + Math.Abs(expected[r]));
                Assert.True(Math.Abs(y[r] - expected[r]) <= tolerance, $"{type} [{columns}] Vector{bits} row {r + First}: {y[r]} instead of {expected[r]}");
            }

            // A row computed alone (a one-row tile, no prefetch) has the bits the four-row tile gave it.
            for (int r = First; r < Rows; r++)
            {
                var alone = new[] { 0.5f };
                activations.Multiply(matrix, alone, r, accumulate: true, bits);
                Assert.True(BitConverter.SingleToInt32Bits(alone[0]) == BitConverter.SingleToInt32Bits(y[r - First]), $"{type} [{columns}] Vector{bits} row {r} alone: {alone[0]}, in its tile {y[r - First]}");
            }

            // Overwriting, all rows, through the public entry point's choice of path.
            var all = new float[Rows];
            Array.Fill(all, float.NaN);
            activations.Multiply(matrix, all, 0, accumulate: false, bits);
            for (int r = First; r < Rows; r++)
            {
                Assert.True(Math.Abs(all[r] + 0.5 - expected[r - First]) <= 1e-4 * (1 + Math.Abs(expected[r - First])), $"{type} Vector{bits} row {r} overwritten: {all[r]}");
            }
        }

        Assert.Equal(results[0], results[^1]);
    }

    [Fact]
    public void ActivationsRoundedOnce_ServeEveryMatrixOfTheirKind()
    {
        // One Q8_0 rounding of x serves a Q8_0, a Q4_0 and a Q5_0 matrix; each product equals the one after its own rounding.
        const int Columns = 256, Rows = 6;
        var random = new Random(9);
        var x = new float[Columns];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var shared = new Q8Activations(Columns);
        shared.QuantizeFor(GgufTensorType.Q8_0, x);
        foreach (var type in new[] { GgufTensorType.Q8_0, GgufTensorType.Q4_0, GgufTensorType.Q5_0 })
        {
            if (!Q8Activations.Supports(type))
            {
                return;
            }

            var matrix = QuantizedKernelTests.RandomMatrix(type, Rows, Columns, seed: (int)type);
            var own = new Q8Activations(Columns);
            own.QuantizeFor(type, x);
            var a = new float[Rows];
            var b = new float[Rows];
            shared.Multiply(matrix, a, 0, accumulate: false);
            own.Multiply(matrix, b, 0, accumulate: false);
            Assert.Equal(b, a);
        }
    }

    /// <summary>ggml's rounding of x, as doubles: Q8_K per 256 values for the K types, else Q8_0 per 32.</summary>
    private static double[] Rounded(GgufTensorType type, float[] x)
    {
        int columns = x.Length;
        var rounded = new double[columns];
        for (int b = 0; b < columns / 256 && Q8Activations.TakesSuperBlocks(type); b++)
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

        for (int b = 0; b < columns / 32 && !Q8Activations.TakesSuperBlocks(type); b++)
        {
            // Q8_0: per 32 values, d = max|x|/127 (kept as float16), q = round(x·127/max|x|).
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

        return rounded;
    }
}

/// <summary>
/// A projection told its input is the previous one's reuses that input's rounding (per kind: Q8_0 or
/// Q8_K) and gives the bits a fresh rounding gives, split over workers or not, allocating nothing.
/// </summary>
public sealed class QuantizedProjectionTests
{
    private static readonly KernelGen.Threading.WorkerPool Pool = new(2);

    [Fact]
    public void SameInput_ReusesTheRounding_AndGivesTheFreshBits()
    {
        const int Columns = 1024;
        // Each over MinParallelBytes, so the two-worker projection splits its rows.
        var q4k = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q4_K, 2048, Columns, seed: 1);
        var q6k = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q6_K, 1536, Columns, seed: 2);
        var q8 = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q8_0, 1100, Columns, seed: 3);
        var q5 = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q5_0, 257, Columns, seed: 4);
        Assert.True(q4k.ByteLength >= QuantizedProjection.MinParallelBytes && q6k.ByteLength >= QuantizedProjection.MinParallelBytes && q8.ByteLength >= QuantizedProjection.MinParallelBytes);
        var random = new Random(5);
        var x = new float[Columns];
        var other = new float[Columns];
        for (int i = 0; i < Columns; i++)
        {
            x[i] = 2 * random.NextSingle() - 1;
            other[i] = 2 * random.NextSingle() - 1;
        }

        foreach (bool quantize in new[] { true, false })
        {
            var shared = new QuantizedProjection(Columns, quantize, Pool);
            var fresh = new QuantizedProjection(Columns, quantize, Pool);
            var sequence = new[] { q4k, q6k, q8, q5, q4k };
            var outputs = new float[sequence.Length][];
            // Two rounds warm up, then each of ten rounds is measured alone. A product that allocated
            // would show in every round. One round may read a few bytes: the runtime's per-thread count
            // is not exact while other test threads run (a CI run with tiering off once read 256 bytes
            // in the single round it measured; never reproduced), and no more than one.
            var allocated = new long[12];
            for (int round = 0; round < allocated.Length; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < sequence.Length; i++)
                {
                    outputs[i] ??= new float[sequence[i].Rows];
                    shared.Multiply(sequence[i], x, outputs[i], sameInput: i > 0);
                }

                allocated[round] = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            var measured = allocated[2..];
            Assert.True(measured.Count(bytes => bytes != 0) <= 1 && measured.Sum() < 1024, $"bytes allocated per round of {sequence.Length} products: {string.Join(", ", measured)}");

            for (int i = 0; i < sequence.Length; i++)
            {
                var expected = new float[sequence[i].Rows];
                fresh.Multiply(sequence[i], x, expected);
                Assert.Equal(expected, outputs[i]);
            }

            // A new input without sameInput is rounded anew, for each kind.
            var y = new float[q8.Rows];
            var z = new float[q6k.Rows];
            shared.Multiply(q8, other, y);
            shared.Multiply(q6k, other, z, sameInput: true);
            var expectedY = new float[q8.Rows];
            var expectedZ = new float[q6k.Rows];
            fresh.Multiply(q8, other, expectedY);
            fresh.Multiply(q6k, other, expectedZ);
            Assert.Equal(expectedY, y);
            Assert.Equal(expectedZ, z);
            Assert.NotEqual(outputs[2], y);
        }
    }

    /// <summary>
    /// Two or three products of one input in one run of the workers give each product's bits as it
    /// alone gives them — mixed types (one rounding per kind, made once), matrices split across workers
    /// or small enough to stay on the caller — and allocate nothing; a wrong output length is an error.
    /// </summary>
    [Fact]
    public void SharedInputRun_EqualsEachProductAlone()
    {
        const int Columns = 1024;
        var q4k = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q4_K, 2048, Columns, seed: 11);
        var q6k = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q6_K, 515, Columns, seed: 12);
        var q8 = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q8_0, 301, Columns, seed: 13);
        var small = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q4_0, 6, Columns, seed: 14);
        var random = new Random(15);
        var x = new float[Columns];
        for (int i = 0; i < Columns; i++)
        {
            x[i] = 2 * random.NextSingle() - 1;
        }

        foreach (bool quantize in new[] { true, false })
        {
            var fused = new QuantizedProjection(Columns, quantize, Pool);
            var alone = new QuantizedProjection(Columns, quantize, Pool);
            foreach (var (first, second, third) in new (QuantizedMatrix, QuantizedMatrix, QuantizedMatrix?)[]
                { (q4k, q6k, q8), (q4k, q4k, null), (small, q8, small), (small, small, null) })
            {
                var y1 = new float[first.Rows];
                var y2 = new float[second.Rows];
                var y3 = new float[third?.Rows ?? 0];
                fused.Multiply(first, y1, second, y2, third, y3, x);
                long before = GC.GetAllocatedBytesForCurrentThread();
                fused.Multiply(first, y1, second, y2, third, y3, x);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < 1024, $"{allocated} bytes allocated by a run of {first}, {second}, {third}");

                Assert.Equal(Alone(alone, first, x), y1);
                Assert.Equal(Alone(alone, second, x), y2);
                if (third is not null)
                {
                    Assert.Equal(Alone(alone, third, x), y3);
                }
            }

            var error = Assert.Throws<ArgumentException>(() => fused.Multiply(q4k, new float[q4k.Rows], q8, new float[q8.Rows - 1], null, default, x));
            Assert.Contains(q8.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        }
    }

    private static float[] Alone(QuantizedProjection projection, QuantizedMatrix matrix, float[] x)
    {
        var y = new float[matrix.Rows];
        projection.Multiply(matrix, x, y);
        return y;
    }
}
