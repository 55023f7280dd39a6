using System;
using KernelGen.Checkpoints;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The two rotary layouts compute the same rotation once the rows are permuted between them.</summary>
public sealed class RopeLayoutTests
{
    [Fact]
    public void PermutationRoundTripsAndMovesPairs()
    {
        const int heads = 3, headDim = 8, columns = 5;
        var interleaved = new float[heads * headDim * columns];
        for (int i = 0; i < interleaved.Length; i++)
        {
            interleaved[i] = i;
        }

        var rotateHalf = new float[interleaved.Length];
        var back = new float[interleaved.Length];
        RopePermutation.ToRotateHalf(interleaved, rotateHalf, heads, columns);
        RopePermutation.ToInterleaved(rotateHalf, back, heads, columns);
        Assert.Equal(interleaved, back);

        // Head 1, pair m = 2: interleaved rows 8+4 and 8+5 become rotate-half rows 8+2 and 8+2+4.
        Assert.Equal(interleaved[(8 + 4) * columns], rotateHalf[(8 + 2) * columns]);
        Assert.Equal(interleaved[(8 + 5) * columns], rotateHalf[(8 + 6) * columns]);
    }

    [Fact]
    public void RotateHalfOfPermutedVectorsIsThePermutedInterleavedRotation()
    {
        const int headDim = 16, heads = 4;
        var interleavedRope = new RotaryEmbedding(headDim, 64, 500000f, RopeLayout.Interleaved);
        var rotateHalfRope = new RotaryEmbedding(headDim, 64, 500000f, RopeLayout.RotateHalf);
        var random = new Random(7);
        var q = new float[heads * headDim];
        var k = new float[headDim];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = random.NextSingle() - 0.5f;
        }

        for (int i = 0; i < k.Length; i++)
        {
            k[i] = random.NextSingle() - 0.5f;
        }

        // A vector is a one-column matrix: permuting its "rows" permutes its elements.
        var qHalf = new float[q.Length];
        var kHalf = new float[k.Length];
        RopePermutation.ToRotateHalf(q, qHalf, heads, 1);
        RopePermutation.ToRotateHalf(k, kHalf, 1, 1);

        interleavedRope.Apply(q, k, 37);
        rotateHalfRope.Apply(qHalf, kHalf, 37);
        var expectedQ = new float[q.Length];
        var expectedK = new float[k.Length];
        RopePermutation.ToRotateHalf(q, expectedQ, heads, 1);
        RopePermutation.ToRotateHalf(k, expectedK, 1, 1);
        Assert.Equal(expectedQ, qHalf);
        Assert.Equal(expectedK, kHalf);
    }
}
