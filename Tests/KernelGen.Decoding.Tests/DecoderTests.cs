using System;
using System.Linq;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using KernelGen.Samples.Stories;
using KernelGen.Tests;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The decoder against <see cref="ReferenceDecoder"/>, an independent double-precision forward pass.</summary>
public sealed class DecoderTests
{
    public static TheoryData<int, int, int, int, int, int, bool> Shapes()
    {
        // dim, layers, heads, kvHeads, hidden, vocab, shared classifier: MHA, GQA and MQA, widths that
        // leave vector tails, a vocabulary that leaves a row over after blocks of four.
        var data = new TheoryData<int, int, int, int, int, int, bool>();
        data.Add(32, 2, 4, 4, 48, 37, true);
        data.Add(32, 2, 4, 2, 44, 40, false);
        data.Add(36, 3, 6, 1, 20, 33, true);
        data.Add(36, 1, 6, 3, 100, 41, false);
        data.Add(16, 2, 2, 1, 24, 30, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheReferenceForwardPassWithEveryKernel(int dim, int layers, int heads, int kvHeads, int hidden, int vocab, bool shared)
    {
        var shape = new ModelShape(dim, layers, heads, kvHeads, 24, hidden, vocab);
        var weights = TestModels.RandomWeights(shape, shared, seed: dim + heads + kvHeads);
        var decoder = new LlamaDecoder(weights);
        foreach (var kernels in new AttentionKernels[] { new GenericAttention(shape), new ReferenceAttention(shape) })
        {
            AssertMatchesReference(decoder, kernels, weights, shape.MaxSeqLen, seed: vocab);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PrefillMatchesTheReferenceForwardPass(int dim, int layers, int heads, int kvHeads, int hidden, int vocab, bool shared)
    {
        var shape = new ModelShape(dim, layers, heads, kvHeads, 80, hidden, vocab);
        var weights = TestModels.RandomWeights(shape, shared, seed: dim * heads);
        var decoder = new LlamaDecoder(weights);
        var random = new Random(vocab);
        var tokens = Enumerable.Range(0, 70).Select(_ => random.Next(vocab)).ToArray();
        foreach (var kernels in new AttentionKernels[] { new GenericAttention(shape), new ReferenceAttention(shape) })
        {
            var reference = new ReferenceDecoder(weights);
            double[] expected = [];
            for (int position = 0; position < 45; position++)
            {
                expected = reference.Forward(tokens[position], position);
            }

            // 45 tokens: a full block of 32 and a partial one; then single steps continue from the prefilled cache.
            var session = decoder.CreateSession(kernels);
            AssertClose(expected, session.Prefill(tokens.AsSpan(0, 45), 0), kernels.Name + " prefill");
            Assert.Equal(45, session.Length);
            for (int position = 45; position < 50; position++)
            {
                AssertClose(reference.Forward(tokens[position], position), session.Forward(tokens[position], position), kernels.Name + " after prefill");
            }

            // A second block appended after decoded positions.
            for (int position = 50; position < 70; position++)
            {
                expected = reference.Forward(tokens[position], position);
            }

            AssertClose(expected, session.Prefill(tokens.AsSpan(50, 20), 50), kernels.Name + " second prefill");
        }
    }

    [Fact]
    public void PrefillRejectsBadArguments()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var session = new LlamaDecoder(checkpoint).CreateSession(new GenericAttention(checkpoint.Shape), contextLength: 16);
        Assert.Throws<ArgumentException>(() => session.Prefill([], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill([1, 2], 1));            // gap
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new int[17], 0));       // past the context
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill([1, 512], 0));          // not a token
    }

    [Fact]
    public void MatchesTheReferenceForwardPassOnStories260K()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var decoder = new LlamaDecoder(checkpoint);
        foreach (var kernels in new[] { Stories260K.CreateKernels(), new GenericAttention(checkpoint.Shape), new ReferenceAttention(checkpoint.Shape) })
        {
            AssertMatchesReference(decoder, kernels, checkpoint.Weights, positions: 40, seed: 1);
        }
    }

    [Fact]
    public void SelectionFindsTheGeneratedKernelsForStories260K()
    {
        // Touching the class runs its module initializer, which registers the kernels.
        Assert.NotNull(Stories260K.Shape);
        var kernels = KernelSelection.Create(Stories260K.Shape, KernelChoice.Generated, out string? fallback);
        Assert.Null(fallback);
        Assert.Equal("generated (Stories260K)", kernels.Name);
        Assert.Equal("generic", KernelSelection.Create(Stories260K.Shape, KernelChoice.Generic, out _).Name);
        Assert.Equal("reference", KernelSelection.Create(Stories260K.Shape, KernelChoice.Reference, out _).Name);
    }

    [Fact]
    public void SelectionFallsBackToGenericForAnUncompiledShape()
    {
        Assert.NotNull(Stories260K.Shape);
        var kernels = KernelSelection.Create(new ModelShape(48, 3, 6, 2, 64, 96, 100), KernelChoice.Generated, out string? fallback);
        Assert.Equal("generic", kernels.Name);
        Assert.Contains("no compiled [TransformerModel] class accepts this shape", fallback, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardAllocatesNothing()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var session = new LlamaDecoder(checkpoint).CreateSession(Stories260K.CreateKernels());
        for (int warmup = 0; warmup < 3; warmup++)
        {
            session.Reset();
            for (int position = 0; position < 64; position++)
            {
                session.Forward(position % 512, position);
            }
        }

        Assert.Equal(0, Allocations.Fewest(() =>
        {
            session.Reset();
            for (int position = 0; position < 256; position++)
            {
                session.Forward((position * 7) % 512, position);
            }
        }));
    }

    [Fact]
    public void PrefillAllocatesNothingAfterItsFirstBlock()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var session = new LlamaDecoder(checkpoint).CreateSession(Stories260K.CreateKernels());
        var tokens = Enumerable.Range(3, 40).ToArray();
        session.Prefill(tokens, 0);
        session.Reset();
        session.Prefill(tokens, 0);
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            session.Reset();
            session.Prefill(tokens, 0);
        }));
    }

    [Fact]
    public void ForwardRejectsBadTokensAndPositions()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var session = new LlamaDecoder(checkpoint).CreateSession(new GenericAttention(checkpoint.Shape), contextLength: 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(512, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(1, 1));   // gap: nothing at position 0 yet
        for (int position = 0; position < 8; position++)
        {
            session.Forward(1, position);
        }

        Assert.Equal(8, session.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(1, 8));   // past the context
        session.Reset();
        Assert.Equal(0, session.Length);
    }

    [Fact]
    public void SessionsRejectKernelsOfAnotherShapeAndContextsTooLong()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        var decoder = new LlamaDecoder(checkpoint);
        Assert.Throws<ArgumentException>(() => decoder.CreateSession(new GenericAttention(new ModelShape(64, 5, 8, 2, 512))));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.CreateSession(new GenericAttention(checkpoint.Shape), contextLength: 513));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.CreateSession(new GenericAttention(checkpoint.Shape), contextLength: 0));
    }

    private static void AssertClose(double[] expected, Span<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{what}, logit {i}: {actual[i]} vs {expected[i]}");
        }
    }

    private static void AssertMatchesReference(LlamaDecoder decoder, AttentionKernels kernels, LlamaWeights weights, int positions, int seed)
    {
        var session = decoder.CreateSession(kernels);
        var reference = new ReferenceDecoder(weights);
        var random = new Random(seed);
        for (int position = 0; position < positions; position++)
        {
            int token = random.Next(weights.Shape.Vocab);
            var expected = reference.Forward(token, position);
            var actual = session.Forward(token, position);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                    $"{kernels.Name}, position {position}, logit {i}: {actual[i]} vs {expected[i]}");
            }
        }
    }
}
