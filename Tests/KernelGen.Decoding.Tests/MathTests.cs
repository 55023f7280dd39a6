using System;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// The decoder's building blocks against double precision. Every SIMD path of the matrix-vector
/// product is called directly, so all of them are checked on any machine (a width the hardware
/// lacks still computes correctly, just slowly).
/// </summary>
public sealed class MathTests
{
    private delegate void MatVecPath(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate);

    public static TheoryData<string, int> Paths()
    {
        var data = new TheoryData<string, int>();
        data.Add("512", 16);
        data.Add("256", 8);
        data.Add("128", 4);
        data.Add("scalar", 1);
        data.Add("dispatch", 1);
        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatrixVectorMatchesDoublePrecisionOnEveryPath(string path, int minCols)
    {
        var random = new Random(17);
        int[] rowCounts = [1, 2, 3, 4, 5, 7, 8, 9, 13, 32, 64, 172];
        int[] colCounts = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 23, 24, 31, 32, 33, 36, 44, 48, 64, 100, 172];
        foreach (int rows in rowCounts)
        {
            foreach (int cols in colCounts)
            {
                if (cols < minCols)
                {
                    continue;
                }

                var w = RandomVector(random, rows * cols);
                var x = RandomVector(random, cols);
                foreach (bool accumulate in new[] { false, true })
                {
                    var y = RandomVector(random, rows);
                    var expected = new double[rows];
                    for (int r = 0; r < rows; r++)
                    {
                        double sum = accumulate ? y[r] : 0;
                        for (int c = 0; c < cols; c++)
                        {
                            sum += (double)w[r * cols + c] * x[c];
                        }

                        expected[r] = sum;
                    }

                    Run(path, w, x, y, rows, cols, accumulate);
                    for (int r = 0; r < rows; r++)
                    {
                        Assert.True(Math.Abs(expected[r] - y[r]) <= 1e-5 * (1 + Math.Abs(expected[r])),
                            $"path {path}, [{rows}][{cols}], accumulate {accumulate}, row {r}: {y[r]} vs {expected[r]}");
                    }
                }
            }
        }
    }

    [Fact]
    public void MatrixVectorRejectsAMatrixOfTheWrongSize() =>
        Assert.Throws<ArgumentException>(() => MatrixVector.Multiply(new float[10], new float[3], new float[3]));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(64)]
    [InlineData(67)]
    public void RmsNormMatchesTheFormula(int n)
    {
        var random = new Random(n);
        var x = RandomVector(random, n);
        var w = RandomVector(random, n);
        var output = new float[n];
        RmsNorm.Apply(x, w, output);
        double ss = 0;
        foreach (float v in x)
        {
            ss += (double)v * v;
        }

        double scale = 1 / Math.Sqrt(ss / n + 1e-5);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(w[i] * x[i] * scale, output[i], 5);
        }

        RmsNorm.Apply(x, w, x);   // in place, as the decoder does for the final norm
        Assert.Equal(output, x);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(20)]
    [InlineData(172)]
    public void SwiGluMatchesTheFormula(int n)
    {
        var random = new Random(n);
        var gate = RandomVector(random, n, 8);
        var up = RandomVector(random, n);
        var expected = new double[n];
        for (int i = 0; i < n; i++)
        {
            expected[i] = gate[i] / (1 + Math.Exp(-(double)gate[i])) * up[i];
        }

        SwiGlu.Apply(gate, up);
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(expected[i] - gate[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{i}: {gate[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void RotaryEmbeddingRotatesInterleavedPairsLikeRunC()
    {
        const int headDim = 8, heads = 2, kvHeads = 1;
        var rope = new RotaryEmbedding(headDim, 16);
        var random = new Random(5);
        var q = RandomVector(random, heads * headDim);
        var k = RandomVector(random, kvHeads * headDim);
        var q0 = q.ToArray();
        var k0 = k.ToArray();

        rope.Apply(q, k, 0);
        Assert.Equal(q0, q);   // position 0 is the identity
        Assert.Equal(k0, k);

        rope.Apply(q, k, 11);
        for (int i = 0; i < q.Length; i += 2)
        {
            // run.c, in float32: freq = 1 / powf(10000, (i % head_size) / (float)head_size); val = pos * freq.
            float freq = 1.0f / MathF.Pow(10000.0f, (i % headDim) / (float)headDim);
            float val = 11 * freq;
            float c = MathF.Cos(val), s = MathF.Sin(val);
            Assert.Equal(q0[i] * c - q0[i + 1] * s, q[i]);
            Assert.Equal(q0[i] * s + q0[i + 1] * c, q[i + 1]);
            if (i < k.Length)
            {
                Assert.Equal(k0[i] * c - k0[i + 1] * s, k[i]);
                Assert.Equal(k0[i] * s + k0[i + 1] * c, k[i + 1]);
            }
        }
    }

    private static void Run(string path, float[] w, float[] x, float[] y, int rows, int cols, bool accumulate)
    {
        if (path == "dispatch")
        {
            MatrixVector.Multiply(w, x, y, accumulate);
            return;
        }

        MatVecPath kernel = path switch
        {
            "512" => MatrixVector.Multiply512,
            "256" => MatrixVector.Multiply256,
            "128" => MatrixVector.Multiply128,
            _ => MatrixVector.MultiplyScalar,
        };
        kernel(ref MemoryMarshal.GetArrayDataReference(w), ref MemoryMarshal.GetArrayDataReference(x), ref MemoryMarshal.GetArrayDataReference(y), rows, cols, accumulate);
    }

    private static float[] RandomVector(Random random, int n, float scale = 1f)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return v;
    }
}
