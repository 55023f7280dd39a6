using System;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using KernelGen.Quantization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>A decoder over quantized weights: prefill and token-by-token decoding agree, and the float accessors say why they cannot be used.</summary>
public sealed class QuantizedDecoderTests
{
    private static readonly ModelShape Shape = new(256, 2, 4, 2, 64, 512, 96);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Prefill_EqualsForwardTokenByToken(bool quantizeActivations)
    {
        var weights = RandomQuantizedWeights(seed: 5);
        var settings = new DecoderSettings { QuantizeActivations = quantizeActivations };
        var decoder = new LlamaDecoder(weights, settings);
        var stepwise = decoder.CreateSession(new GenericAttention(Shape));
        var block = decoder.CreateSession(new GenericAttention(Shape));
        int[] tokens = [1, 17, 42, 5, 88, 3, 60, 2, 9, 71];
        float[] last = [];
        for (int position = 0; position < tokens.Length; position++)
        {
            last = stepwise.Forward(tokens[position], position).ToArray();
        }

        var prefilled = block.Prefill(tokens, 0).ToArray();
        for (int i = 0; i < last.Length; i++)
        {
            Assert.InRange(prefilled[i], last[i] - 1e-4f * (1 + Math.Abs(last[i])), last[i] + 1e-4f * (1 + Math.Abs(last[i])));
        }

        Assert.Contains(last, v => v != 0);
    }

    [Fact]
    public void QuantizedWeights_RefuseFloatAccess_AndReportTheirSize()
    {
        var weights = RandomQuantizedWeights(seed: 6);
        Assert.True(weights.IsQuantized);
        var error = Assert.Throws<InvalidOperationException>(() => weights.QueryProjection(0).Length);
        Assert.Contains("quantized", error.Message, StringComparison.Ordinal);
        Assert.Equal(GgufTensorType.Q8_0, weights.Quantized(LlamaMatrix.Down, 1)!.Type);
        long expected = (2L * Shape.Layers + 1) * Shape.Dim * sizeof(float) + weights.QuantizedEmbedding!.ByteLength;
        foreach (var matrix in Enum.GetValues<LlamaMatrix>())
        {
            for (int layer = 0; layer < Shape.Layers; layer++)
            {
                expected += weights.Quantized(matrix, layer)!.ByteLength;
            }
        }

        Assert.Equal(expected, weights.ResidentBytes);
        var row = new float[Shape.Dim];
        weights.CopyEmbedding(7, row);
        var reference = new float[Shape.Dim];
        weights.QuantizedEmbedding.DequantizeRow(7, reference);
        Assert.Equal(reference, row);
    }

    /// <summary>Q4_K matrices, Q8_0 down projections, a Q6_K tied embedding, norms near 1.</summary>
    private static LlamaWeights RandomQuantizedWeights(int seed)
    {
        var random = new Random(seed);
        var norms = new float[(2 * Shape.Layers + 1) * Shape.Dim];
        for (int i = 0; i < norms.Length; i++)
        {
            norms[i] = 1 + 0.1f * (2 * random.NextSingle() - 1);
        }

        var matrices = new QuantizedMatrix[LlamaWeights.MatrixKinds * Shape.Layers];
        foreach (var matrix in Enum.GetValues<LlamaMatrix>())
        {
            var (rows, columns) = LlamaWeights.MatrixDimensions(Shape, matrix);
            for (int layer = 0; layer < Shape.Layers; layer++)
            {
                var type = matrix == LlamaMatrix.Down ? GgufTensorType.Q8_0 : GgufTensorType.Q4_K;
                matrices[(int)matrix * Shape.Layers + layer] = QuantizedKernelTests.RandomMatrix(type, rows, columns, seed + 10 * (int)matrix + layer);
            }
        }

        var embedding = QuantizedKernelTests.RandomMatrix(GgufTensorType.Q6_K, Shape.Vocab, Shape.Dim, seed + 1000);
        return new LlamaWeights(Shape, norms, embedding, classifier: null, matrices);
    }
}
