using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Kernels.Engine;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// The packed-GEMM operations alone, against sums in double over the numbers as stored: every row
/// count from 1 to 13 (two full 6-row tiles and each remainder), blocks of 1, 5, 16, 33, 63 and 64 keys,
/// strided keys, head_dims that leave every narrower vector and scalar tail, every format.
/// </summary>
[Trait("Category", "Simd")]
public class PackedAttentionTests
{
    private const int KeyBlock = KernelSizes.KeyBlock;

    public static IEnumerable<object[]> Cases() =>
        from headDim in new[] { 6, 8, 40, 64, 80, 96, 128 }
        from format in new[] { "f32", "bf16", "f16", "int8" }
        select new object[] { headDim, format };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScoresAndAccumulate_EqualTheSumsOfTheStoredNumbers(int headDim, string format)
    {
        switch (format)
        {
            case "f32": Check<KvFloat32>(headDim); break;
            case "bf16": Check<KvBFloat16>(headDim); break;
            case "f16": Check<KvFloat16>(headDim); break;
            default: Check<KvInt8>(headDim); break;
        }
    }

    private static void Check<TFormat>(int d)
        where TFormat : struct, IKvCacheFormat
    {
        var random = new Random(d * 7 + (int)TFormat.Format);
        var micro = new RuntimeMicrokernels(d);
        const int step = 3, slots = KeyBlock * step;
        int rowBytes = d * TFormat.ElementBytes;
        var keys = new byte[slots * rowBytes];
        var values = new byte[slots * rowBytes];
        var keyScales = new float[slots];
        var valueScales = new float[slots];
        for (int slot = 0; slot < slots; slot++)
        {
            keyScales[slot] = TFormat.Encode(Random(random, d), keys.AsSpan(slot * rowBytes, rowBytes));
            valueScales[slot] = TFormat.Encode(Random(random, d), values.AsSpan(slot * rowBytes, rowBytes));
        }

        var packedKeys = new float[d * KeyBlock];
        var packedValues = new float[KeyBlock * d];
        foreach (int stride in new[] { 1, step })
        {
            foreach (int n in new[] { 1, 5, 16, 33, 63, 64 })
            {
                packedKeys.AsSpan().Fill(float.NaN);
                PackedAttention.PackKeys<RuntimeMicrokernels, TFormat>(micro, ref keys[0], rowBytes * stride, ref keyScales[0], stride, n, ref packedKeys[0]);
                PackedAttention.PackValues<RuntimeMicrokernels, TFormat>(micro, ref values[0], rowBytes * stride, ref valueScales[0], stride, n, ref packedValues[0]);

                // Packing is exact, whichever transpose (16 × 16, 4 × 4 or one by one) placed a number:
                // Kᵀ[i, c] is key c's number i widened, times its scale, in float.
                for (int c = 0; c < n; c++)
                {
                    for (int i = 0; i < d; i++)
                    {
                        int slot = c * stride;
                        float expected = TFormat.Load(ref keys[slot * rowBytes], i) * (TFormat.Scaled ? keyScales[slot] : 1f);
                        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(packedKeys[i * KeyBlock + c]),
                            $"{TFormat.Format} d {d} n {n} stride {stride}: Kᵀ[{i}, {c}] {packedKeys[i * KeyBlock + c]} vs {expected}");
                    }
                }

                for (int rows = 1; rows <= 13; rows++)
                {
                    var q = Random(random, rows * d);
                    var scores = new float[rows * KeyBlock];
                    PackedAttention.Scores(micro, ref q[0], rows, ref packedKeys[0], n, ref scores[0]);
                    var weights = Random(random, rows * KeyBlock);
                    var outputs = Random(random, rows * d);
                    var expectedOutputs = outputs.Select(x => (double)x).ToArray();
                    PackedAttention.Accumulate(micro, ref weights[0], rows, n, ref packedValues[0], d, ref outputs[0]);
                    for (int r = 0; r < rows; r++)
                    {
                        for (int c = 0; c < n; c++)
                        {
                            int slot = c * stride;
                            double dot = 0;
                            for (int i = 0; i < d; i++)
                            {
                                dot += (double)q[r * d + i] * Stored<TFormat>(keys, keyScales, slot, rowBytes, i);
                                expectedOutputs[r * d + i] += (double)weights[r * KeyBlock + c] * Stored<TFormat>(values, valueScales, slot, rowBytes, i);
                            }

                            Assert.True(Math.Abs(scores[r * KeyBlock + c] - dot) <= 1e-5 * (1 + Math.Abs(dot)),
                                $"{TFormat.Format} d {d} n {n} stride {stride} rows {rows}: score [{r}, {c}] {scores[r * KeyBlock + c]} vs {dot}");
                        }

                        for (int i = 0; i < d; i++)
                        {
                            double expected = expectedOutputs[r * d + i];
                            Assert.True(Math.Abs(outputs[r * d + i] - expected) <= 1e-5 * (1 + Math.Abs(expected)),
                                $"{TFormat.Format} d {d} n {n} stride {stride} rows {rows}: output [{r}, {i}] {outputs[r * d + i]} vs {expected}");
                        }
                    }
                }

                // Keys past the block's end are packed as zeros, so whole column tiles score them 0.
                for (int i = 0; i < d; i++)
                {
                    for (int c = n; c < KeyBlock; c++)
                    {
                        Assert.Equal(0f, packedKeys[i * KeyBlock + c]);
                    }
                }
            }
        }
    }

    /// <summary>Number i of a stored row, widened and scaled: what the reference attends.</summary>
    private static double Stored<TFormat>(byte[] rows, float[] scales, int slot, int rowBytes, int i)
        where TFormat : struct, IKvCacheFormat =>
        (double)TFormat.Load(ref rows[slot * rowBytes], i) * (TFormat.Scaled ? scales[slot] : 1f);

    private static float[] Random(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
}
