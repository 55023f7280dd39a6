using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelGen.Checkpoints;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tests;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// GenerateAsync and Generate with GenerationOptions on stories260K: the greedy text is run.c's
/// golden story after the prompt; max new tokens, end of sequence, stop sequences across token
/// boundaries, cancellation mid-stream, sampling options, and no allocation per token.
/// </summary>
public sealed class GenerationApiTests
{
    private const string Prompt = "Once upon a time";
    private static readonly Llama2cCheckpoint Checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tokenizer = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);

    /// <summary>run.c's greedy tokens after the prompt (the 512-step golden run ends when the model picks BOS).</summary>
    private static int[] GoldenNewTokens() => TestFiles.ReadTokens("once-upon-a-time.greedy-512.tokens")[5..];

    /// <summary>The text of the golden story after the prompt, one string per new token (BOS last, empty).</summary>
    private static string[] GoldenPieces()
    {
        var tokens = TestFiles.ReadTokens("once-upon-a-time.greedy-512.tokens");
        return tokens.Skip(5).Select((token, i) => Encoding.UTF8.GetString(Tokenizer.DecodeText(tokens[4 + i], token))).ToArray();
    }

    [Fact]
    public async Task GreedyStreamIsRunCsStoryAfterThePromptAndStopsAtEndOfSequence()
    {
        var generator = CreateGenerator();
        var pieces = new List<string>();
        await foreach (string piece in generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 1000 }))
        {
            pieces.Add(piece);
        }

        var golden = TestFiles.ReadTestData("once-upon-a-time.greedy-512.stdout");
        string expected = Encoding.UTF8.GetString(golden[Prompt.Length..^1]);  // run.c echoes the prompt and ends with "\n"
        Assert.Equal(expected, string.Concat(pieces));
        Assert.All(pieces, piece => Assert.NotEmpty(piece));
        var result = Assert.NotNull(generator.LastCompletion);
        Assert.Equal(GenerationStopReason.EndOfSequence, result.StopReason);
        Assert.Equal(5, result.PromptTokens);
        Assert.Equal(GoldenNewTokens().Length, result.NewTokens);
        Assert.Equal(LlamaTokenizer.BosId, GoldenNewTokens()[^1]);
    }

    [Fact]
    public void SynchronousGenerateWritesTheSameText()
    {
        var generator = CreateGenerator();
        var output = new MemoryStream();
        var result = generator.Generate(Prompt, new GenerationOptions { MaxNewTokens = 100 }, output);

        Assert.Equal(string.Concat(GoldenPieces().Take(100)), Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(100, result.NewTokens);
        Assert.Equal(GenerationStopReason.MaxNewTokens, result.StopReason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    public async Task MaxNewTokensCountsOnlyTheNewTokens(int maxNewTokens)
    {
        var generator = CreateGenerator();
        string text = await Collect(generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = maxNewTokens }));

        Assert.Equal(string.Concat(GoldenPieces().Take(maxNewTokens)), text);
        var result = Assert.NotNull(generator.LastCompletion);
        Assert.Equal(maxNewTokens, result.NewTokens);
        Assert.Equal(GenerationStopReason.MaxNewTokens, result.StopReason);
    }

    [Fact]
    public async Task WithoutStopAtEndOfSequenceGenerationGoesOnPastBos()
    {
        var generator = CreateGenerator();
        int goldenLength = GoldenNewTokens().Length;
        string text = await Collect(generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = goldenLength + 40, StopAtEndOfSequence = false }));

        var result = Assert.NotNull(generator.LastCompletion);
        Assert.Equal(GenerationStopReason.MaxNewTokens, result.StopReason);
        Assert.Equal(goldenLength + 40, result.NewTokens);
        Assert.StartsWith(string.Concat(GoldenPieces()), text, StringComparison.Ordinal);
        Assert.True(text.Length > string.Concat(GoldenPieces()).Length);
    }

    [Fact]
    public async Task StopSequenceSpanningTokensEndsTheTextBeforeIt()
    {
        var pieces = GoldenPieces();
        string full = string.Concat(pieces);
        // A stop text made of the end of one token's text and the start of the next one's.
        int i = Enumerable.Range(10, 100).First(k => pieces[k].Length >= 3 && pieces[k + 1].Length >= 3);
        string stop = pieces[i][^2..] + pieces[i + 1][..2];
        int at = full.IndexOf(stop, StringComparison.Ordinal);
        Assert.True(at >= 0);

        var generator = CreateGenerator();
        var yielded = new List<string>();
        await foreach (string piece in generator.GenerateAsync(Prompt, new GenerationOptions { StopSequences = ["never appears", stop] }))
        {
            yielded.Add(piece);
        }

        Assert.Equal(full[..at], string.Concat(yielded));
        Assert.Equal(GenerationStopReason.StopSequence, Assert.NotNull(generator.LastCompletion).StopReason);
    }

    [Fact]
    public async Task CancellationMidStreamEndsTheEnumeration()
    {
        var generator = CreateGenerator();
        using var cancellation = new CancellationTokenSource();
        var yielded = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (string piece in generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 200 }, cancellation.Token))
            {
                yielded.Add(piece);
                if (yielded.Count == 3)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.Equal(3, yielded.Count);
        Assert.Null(generator.LastCompletion);
        Assert.Equal(string.Concat(GoldenPieces().Take(3)), string.Concat(yielded));

        // The generator is usable again afterwards.
        Assert.Equal(string.Concat(GoldenPieces().Take(5)), await Collect(generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 5 })));
    }

    [Fact]
    public async Task SamplingIsReproducibleFromTheSeedAndTopKOfOneIsGreedy()
    {
        var generator = CreateGenerator();
        var sampled = new GenerationOptions { MaxNewTokens = 60, Temperature = 0.9f, TopP = 0.95f, TopK = 20, Seed = 42 };
        string first = await Collect(generator.GenerateAsync(Prompt, sampled));
        string second = await Collect(generator.GenerateAsync(Prompt, sampled));
        string other = await Collect(generator.GenerateAsync(Prompt, sampled with { Seed = 43 }));
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);

        string topOne = await Collect(generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 60, Temperature = 1.5f, TopK = 1, Seed = 7 }));
        Assert.Equal(string.Concat(GoldenPieces().Take(60)), topOne);
    }

    [Fact]
    public void ACharacterInByteTokensStreamsWholeWhereRunCPrintsNothing()
    {
        // "€" is E2 82 AC: three byte tokens in stories260K's vocabulary (<0xE2> is id 3 + 0xE2).
        int[] euro = [LlamaTokenizer.ByteFallbackOffset + 0xE2, LlamaTokenizer.ByteFallbackOffset + 0x82, LlamaTokenizer.ByteFallbackOffset + 0xAC];
        Assert.Equal("<0xE2>"u8.ToArray(), Tokenizer.Piece(euro[0]).ToArray());
        Assert.True(Tokenizer.Decode(5, euro[0]).IsEmpty);   // run.c's printing drops a lone non-printable byte

        var text = new TextHoldback([]);
        var released = new List<string>();
        int previous = 5;
        foreach (int token in euro)
        {
            released.Add(Encoding.UTF8.GetString(text.Add(Tokenizer.DecodeText(previous, token), final: false, out _)));
            previous = token;
        }

        Assert.Equal(["", "", "€"], released);
    }

    [Fact]
    public void TopKDrawsOnlyAmongTheLikeliestTokens()
    {
        var sampler = new OptionsSampler(8, temperature: 1f, topP: 0f, topK: 3, seed: 5);
        var seen = new HashSet<int>();
        for (int draw = 0; draw < 500; draw++)
        {
            float[] logits = [0.1f, 2.0f, 0.3f, 1.9f, 0.2f, 1.8f, 0.0f, -1f];
            seen.Add(sampler.Sample(logits));
        }

        Assert.Equal(new HashSet<int> { 1, 3, 5 }, seen);
    }

    [Fact]
    public void SynchronousGenerationAllocatesNothingPerToken()
    {
        var generator = CreateGenerator();
        var options = new GenerationOptions { MaxNewTokens = 20, StopSequences = ["zzz"] };
        // Warm up over the longest run measured: every method compiled, and every lazily built
        // static made (the tokenizer's table of byte tokens is first touched by the story's first
        // newline, 58 tokens in: 280 bytes once per process, not per token).
        generator.Generate(Prompt, options with { MaxNewTokens = 220 }, Stream.Null);

        long Allocated(int tokens) => Allocations.Fewest(() => generator.Generate(Prompt, options with { MaxNewTokens = tokens }, Stream.Null));

        long few = Allocated(20);
        long many = Allocated(220);
        Assert.Equal(few, many);
    }

    [Fact]
    public void BadOptionsAreRefusedByName()
    {
        var generator = CreateGenerator();
        Assert.Contains("TopK", Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(Prompt, new GenerationOptions { TopK = -1 }, Stream.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(Prompt, new GenerationOptions { MaxNewTokens = -2 }, Stream.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(Prompt, new GenerationOptions { Temperature = float.NaN }, Stream.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("StopSequences[0]", Assert.Throws<ArgumentException>(() => generator.Generate(Prompt, new GenerationOptions { StopSequences = [""] }, Stream.Null)).Message, StringComparison.Ordinal);
    }

    private static async Task<string> Collect(IAsyncEnumerable<string> pieces)
    {
        var text = new StringBuilder();
        await foreach (string piece in pieces)
        {
            text.Append(piece);
        }

        return text.ToString();
    }

    private static TextGenerator CreateGenerator()
    {
        Assert.NotNull(Stories260K.Shape);   // registers the generated kernels
        var kernels = KernelSelection.Create(Checkpoint.Shape, KernelChoice.Generated, out string? fallback);
        Assert.Null(fallback);
        return new TextGenerator(new LlamaDecoder(Checkpoint).CreateSession(kernels), Tokenizer, Sampler.Greedy(512));
    }
}
