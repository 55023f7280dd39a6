using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>llama2.c's int8 export ("version 2", runq.c's format): written, read back, checked, decoded.</summary>
public sealed class Llama2CInt8Tests : IDisposable
{
    private static readonly Llama2cCheckpoint Stories = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Header_IsWhereRunqReadsIt()
    {
        string path = _directory.File("stories-q80.bin");
        Llama2CInt8Checkpoint.Write(path, Stories.Weights, groupSize: 64);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("ak42"u8.ToArray().Reverse(), bytes.Take(4));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(64, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));     // dim
        Assert.Equal(172, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));   // hidden_dim
        Assert.Equal(512, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));   // vocab_size
        Assert.Equal(1, bytes[36]);                                                   // shared_classifier
        Assert.Equal(64, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(37)));   // group_size
        Assert.All(bytes.Skip(41).Take(256 - 41), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(32)]
    public void RoundTrip_EveryWeightWithinHalfAStep(int groupSize)
    {
        string path = _directory.File($"stories-q80-{groupSize}.bin");
        Llama2CInt8Checkpoint.Write(path, Stories.Weights, groupSize);
        var checkpoint = ModelCheckpoint.Load(path);
        Assert.Equal(CheckpointFormat.Llama2CInt8, checkpoint.Format);
        Assert.Equal(Stories.Shape, checkpoint.Shape);
        Assert.Equal(Stories.Weights.FinalNorm.ToArray(), checkpoint.Weights.FinalNorm.ToArray());
        AssertWithinHalfStep(Stories.Weights.TokenEmbedding, checkpoint.Weights.TokenEmbedding, groupSize);
        for (int layer = 0; layer < Stories.Shape.Layers; layer++)
        {
            Assert.Equal(Stories.Weights.AttentionNorm(layer).ToArray(), checkpoint.Weights.AttentionNorm(layer).ToArray());
            foreach (var matrix in Enum.GetValues<LlamaMatrix>())
            {
                AssertWithinHalfStep(Stories.Weights.Matrix(matrix, layer), checkpoint.Weights.Matrix(matrix, layer), groupSize);
            }
        }
    }

    [Fact]
    public void Int8Model_DecodesCloseToTheFloatModel()
    {
        string path = _directory.File("stories-q80.bin");
        Llama2CInt8Checkpoint.Write(path, Stories.Weights, groupSize: 64);
        var int8 = new LlamaDecoder(ModelCheckpoint.Load(path)).CreateSession(new GenericAttention(Stories.Shape));
        var float32 = new LlamaDecoder(Stories).CreateSession(new GenericAttention(Stories.Shape));
        var golden = TestFiles.ReadTokens("once-upon-a-time.greedy-256.tokens");
        float worst = 0;
        for (int position = 0; position < 32; position++)
        {
            var a = int8.Forward(golden[position], position).ToArray();
            var b = float32.Forward(golden[position], position);
            for (int i = 0; i < a.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
            }
        }

        // 8-bit weights move stories260K's logits (range about ±15) by up to about 0.3 (measured 0.31).
        Assert.InRange(worst, 1e-6f, 0.5f);
    }

    [Fact]
    public void TruncatedFile_IsRefusedWithItsSize()
    {
        string path = _directory.File("cut.bin");
        Llama2CInt8Checkpoint.Write(path, Stories.Weights, groupSize: 64);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 5).ToArray());
        var error = Assert.Throws<CheckpointException>(() => ModelCheckpoint.Load(path));
        Assert.Equal("file size", error.Field);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupSizeThatDoesNotDivideDim_IsRefused()
    {
        string path = _directory.File("group.bin");
        Llama2CInt8Checkpoint.Write(path, Stories.Weights, groupSize: 64);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(37), 48);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => ModelCheckpoint.Load(path));
        Assert.Equal("group_size", error.Field);
        Assert.Contains("48", error.Message, StringComparison.Ordinal);
    }

    private static void AssertWithinHalfStep(ReadOnlySpan<float> original, ReadOnlySpan<float> read, int groupSize)
    {
        Assert.Equal(original.Length, read.Length);
        for (int g = 0; g < original.Length / groupSize; g++)
        {
            var group = original.Slice(g * groupSize, groupSize);
            float max = 0;
            foreach (float w in group)
            {
                max = Math.Max(max, Math.Abs(w));
            }

            float halfStep = max / 127f / 2 * 1.0001f + 1e-12f;
            for (int i = 0; i < groupSize; i++)
            {
                float error = Math.Abs(read[g * groupSize + i] - group[i]);
                Assert.True(error <= halfStep, $"value {g * groupSize + i}: {group[i]} read back as {read[g * groupSize + i]} (half a step is {halfStep})");
            }
        }
    }
}
