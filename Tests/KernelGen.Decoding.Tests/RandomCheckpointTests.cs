using System;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Kernels;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The benchmark's random-weight checkpoints are real checkpoints: they load, and decode to finite logits.</summary>
public sealed class RandomCheckpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void ARandomCheckpoint_LoadsAndDecodes(int kvHeads)
    {
        var shape = new ModelShape(dim: 64, layers: 2, heads: 4, kvHeads: kvHeads, maxSeqLen: 32, hiddenDim: 96, vocab: 100);
        string path = _directory.File("random.bin");
        RandomCheckpoint.Write(path, shape, seed: 3);

        var checkpoint = Llama2cCheckpoint.Load(path);
        Assert.Equal(shape, checkpoint.Shape);
        Assert.True(checkpoint.Header.SharedClassifier);

        var session = new LlamaDecoder(checkpoint).CreateSession(new GenericAttention(shape));
        for (int position = 0; position < 10; position++)
        {
            var logits = session.Forward(position % shape.Vocab, position);
            Assert.All(logits.ToArray(), value => Assert.True(float.IsFinite(value)));
        }
    }

    [Fact]
    public void TheSameSeed_WritesTheSameFile()
    {
        var shape = new ModelShape(dim: 32, layers: 1, heads: 2, kvHeads: 1, maxSeqLen: 8, hiddenDim: 48, vocab: 20);
        RandomCheckpoint.Write(_directory.File("a.bin"), shape, seed: 9);
        RandomCheckpoint.Write(_directory.File("b.bin"), shape, seed: 9);
        RandomCheckpoint.Write(_directory.File("c.bin"), shape, seed: 10);
        Assert.Equal(System.IO.File.ReadAllBytes(_directory.File("a.bin")), System.IO.File.ReadAllBytes(_directory.File("b.bin")));
        Assert.NotEqual(System.IO.File.ReadAllBytes(_directory.File("a.bin")), System.IO.File.ReadAllBytes(_directory.File("c.bin")));
    }
}
