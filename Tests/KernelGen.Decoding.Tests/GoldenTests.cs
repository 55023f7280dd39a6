using System;
using System.IO;
using System.Security.Cryptography;
using KernelGen.Checkpoints;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tests;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// The decoder must print exactly what llama2.c's run.c prints (TestData/README.md says how those
/// files were made), with every kind of attention kernel.
/// </summary>
public sealed class GoldenTests
{
    private static readonly Llama2cCheckpoint Checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tokenizer = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);

    public static TheoryData<KernelChoice, int, string, string> GreedyRuns()
    {
        var data = new TheoryData<KernelChoice, int, string, string>();
        foreach (var kernels in new[] { KernelChoice.Generated, KernelChoice.Generic, KernelChoice.Reference })
        {
            data.Add(kernels, 256, "once-upon-a-time.greedy-256", "a3213f9ea026d75bf2993355ae334822d7c9d34328964c711ab030d3148e6cef");
            data.Add(kernels, 512, "once-upon-a-time.greedy-512", "e0c267ef267cb50130db210849536569e50920fbfdf130bc9784d6d5ae66aaad");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GreedyRuns))]
    public void GreedyOnceUponATimeIsByteIdenticalToRunC(KernelChoice kernels, int steps, string golden, string sha256)
    {
        var generator = CreateGenerator(kernels, Sampler.Greedy(512));
        var output = new MemoryStream();
        var result = generator.Generate("Once upon a time", steps, output);

        var expected = TestFiles.ReadTestData(golden + ".stdout");
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(expected)));
        Assert.Equal(expected, output.ToArray());
        Assert.Equal(TestFiles.ReadTokens(golden + ".tokens"), generator.Tokens.ToArray());
        Assert.Equal(5, result.PromptTokens);
        Assert.Equal(steps == 256 ? 256 : 346, result.Positions);
        Assert.Equal(steps != 256, result.StoppedOnBos);
    }

    [Theory]
    [InlineData(KernelChoice.Generated)]
    [InlineData(KernelChoice.Generic)]
    [InlineData(KernelChoice.Reference)]
    public void PrefillingThePromptPrintsTheSameBytes(KernelChoice kernels)
    {
        foreach (var (steps, golden) in new[] { (256, "once-upon-a-time.greedy-256"), (512, "once-upon-a-time.greedy-512"), (3, null) })
        {
            var generator = CreateGenerator(kernels, Sampler.Greedy(512), prefill: true);
            var output = new MemoryStream();
            var result = generator.Generate("Once upon a time", steps, output);
            if (golden is null)
            {
                Assert.Equal("Once upon a\n"u8.ToArray(), output.ToArray());
                Assert.Equal(3, result.Positions);
                continue;
            }

            Assert.Equal(TestFiles.ReadTestData(golden + ".stdout"), output.ToArray());
            Assert.Equal(TestFiles.ReadTokens(golden + ".tokens"), generator.Tokens.ToArray());
        }
    }

    [Fact]
    public void EmptyPromptStartsFromBosLikeRunC()
    {
        // run.c -i "" -n 256 prints the same 566 bytes: the model's likeliest opening is "Once upon a time".
        var generator = CreateGenerator(KernelChoice.Generic, Sampler.Greedy(512));
        var output = new MemoryStream();
        var result = generator.Generate("", 256, output);
        Assert.Equal(1, result.PromptTokens);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), output.ToArray());
    }

    [Theory]
    [InlineData(0.8f, 0.9f, 42UL, "once-upon-a-time.t0.8-p0.9-s42-n200.stdout")]
    [InlineData(1.0f, 0f, 7UL, "once-upon-a-time.t1-p0-s7-n200.stdout")]
    public void SeededSamplingMatchesRunC(float temperature, float topP, ulong seed, string golden)
    {
        foreach (var kernels in new[] { KernelChoice.Generated, KernelChoice.Generic })
        {
            var generator = CreateGenerator(kernels, new Sampler(512, temperature, topP, seed));
            var output = new MemoryStream();
            generator.Generate("Once upon a time", 200, output);
            Assert.Equal(TestFiles.ReadTestData(golden), output.ToArray());
        }
    }

    [Fact]
    public void StepsCountPromptPositionsAndAreCappedAtTheContext()
    {
        var generator = CreateGenerator(KernelChoice.Generic, Sampler.Greedy(512));
        var output = new MemoryStream();

        // Fewer steps than prompt tokens: run.c echoes only part of the prompt.
        var result = generator.Generate("Once upon a time", 3, output);
        Assert.Equal(3, result.Positions);
        Assert.Equal("Once upon a\n"u8.ToArray(), output.ToArray());

        // 0 and anything past seq_len mean the whole context; this prompt stops at BOS first.
        output.SetLength(0);
        Assert.Equal(346, generator.Generate("Once upon a time", 0, output).Positions);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-512.stdout"), output.ToArray());
        output.SetLength(0);
        Assert.Equal(346, generator.Generate("Once upon a time", 100_000, output).Positions);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate("x", -1, output));
    }

    [Fact]
    public void APromptLongerThanTheContextIsRejectedClearly()
    {
        var generator = CreateGenerator(KernelChoice.Generic, Sampler.Greedy(512));
        // 300 words of at least two tokens each: more than 512 tokens, but few enough bytes that the cheap bound passes.
        var prompt = string.Concat(System.Linq.Enumerable.Repeat(" zq", 300));
        var e = Assert.Throws<PromptTooLongException>(() => generator.Generate(prompt, 256, Stream.Null));
        Assert.Equal(512, e.ContextLength);
        Assert.True(e.TokenCount > 512);
        Assert.Contains("context holds 512", e.Message, StringComparison.Ordinal);

        // Far too long to be worth encoding: refused from its length alone.
        var huge = new string('a', 100_000);
        e = Assert.Throws<PromptTooLongException>(() => generator.Generate(huge, 256, Stream.Null));
        Assert.Contains("at least", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerationAllocatesNothingOnceWarm()
    {
        var generator = CreateGenerator(KernelChoice.Generated, Sampler.Greedy(512));
        var prompt = "Once upon a time"u8.ToArray();
        generator.Generate(prompt, 256, Stream.Null);
        generator.Generate(prompt, 256, Stream.Null);
        Assert.Equal(0, Allocations.Fewest(() => generator.Generate(prompt, 256, Stream.Null)));
    }

    private static TextGenerator CreateGenerator(KernelChoice choice, Sampler sampler, bool prefill = false)
    {
        Assert.NotNull(Stories260K.Shape);   // registers the generated kernels
        var kernels = KernelSelection.Create(Checkpoint.Shape, choice, out string? fallback);
        Assert.Null(fallback);
        return new TextGenerator(new LlamaDecoder(Checkpoint).CreateSession(kernels), Tokenizer, sampler) { PrefillPrompt = prefill };
    }
}
