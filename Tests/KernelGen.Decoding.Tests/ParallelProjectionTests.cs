using System;
using KernelGen.Kernels;
using KernelGen.Tests;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>Projections on every core give exactly the single-threaded result, and decoding with them allocates nothing.</summary>
public sealed class ParallelProjectionTests
{
    [Theory]
    [InlineData(512, 512)]
    [InlineData(1027, 300)]
    [InlineData(2048, 768)]
    [InlineData(13, 40000)]
    public void SplitRowsGiveTheSingleThreadedBits(int rows, int columns)
    {
        var random = new Random(rows);
        var matrix = new float[rows * columns];
        var x = new float[columns];
        for (int i = 0; i < matrix.Length; i++)
        {
            matrix[i] = random.NextSingle() - 0.5f;
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextSingle() - 0.5f;
        }

        var expected = new float[rows];
        var actual = new float[rows];
        Array.Fill(expected, 0.25f);
        Array.Fill(actual, 0.25f);
        MatrixVector.Multiply(matrix, x, expected, accumulate: true);
        var projection = new ParallelMatrixVector();
        for (int run = 0; run < 50; run++)
        {
            var y = new float[rows];
            Array.Fill(y, 0.25f);
            projection.Multiply(matrix, x, y, accumulate: true);
            Assert.Equal(expected, y);
        }

        projection.Multiply(matrix, x, actual, accumulate: true);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void DecodingALargeModelAllocatesNothingOnceWarm()
    {
        var shape = new ModelShape(512, 2, 8, 2, 64, 1024, 600);
        var session = new LlamaDecoder(TestModels.RandomWeights(shape, false, 8)).CreateSession(new GenericAttention(shape));
        for (int position = 0; position < 8; position++)
        {
            session.Forward(position + 3, position);
        }

        int next = 8;
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            // Each run decodes 10 new positions, so no run repeats a cached state.
            for (int end = next + 10; next < end; next++)
            {
                session.Forward(next + 3, next);
            }
        }));
    }
}
