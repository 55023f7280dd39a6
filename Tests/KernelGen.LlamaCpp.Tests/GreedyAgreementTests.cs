using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using KernelGen.Bench.LlamaCpp;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Decoding.Tests;
using KernelGen.Kernels;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.LlamaCpp.Tests;

/// <summary>
/// llama.cpp, an implementation nobody here wrote, loads the GGUF files KernelGen writes and computes
/// what KernelGen computes: the same greedy tokens for the embedded model, the same logits (to float
/// summation order) for an MQA model with its own rope base, epsilon and classifier.
/// </summary>
public sealed class GreedyAgreementTests : IDisposable
{
    private static readonly Llama2cCheckpoint Stories = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tok512 = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Stories260K_GreedyTokenIdsAgreeWithLlamaCpp_For256Steps()
    {
        string path = _directory.File("stories260K.gguf");
        GgufWriter.Write(path, Stories.Weights, DecoderSettings.Llama2C, Tok512);
        var checkpoint = ModelCheckpoint.Load(path);
        Assert.NotNull(Stories260K.Shape);
        var session = new LlamaDecoder(checkpoint).CreateSession(KernelSelection.Create(checkpoint.Shape, KernelChoice.Generated, out _));
        using var peer = new LlamaCppDecoder(path, 512);

        // Both tokenizers read the prompt alike, BOS first.
        int[] prompt = checkpoint.Tokenizer!.Encode("Once upon a time");
        Assert.Equal(prompt, peer.Tokenize("Once upon a time"));

        var ours = Greedy(prompt, 256, (token, position) => session.Forward(token, position).ToArray());
        var theirs = Greedy(prompt, 256, (token, position) => peer.Forward(token, position).ToArray());
        Assert.True(ours.Tokens.SequenceEqual(theirs.Tokens), Divergence(ours, theirs));

        // And both print run.c's golden run.
        Assert.Equal(TestFiles.ReadTokens("once-upon-a-time.greedy-256.tokens"), ours.Tokens);

        // Summation order differs (ggml's blocked dot products vs ours), so logits agree to rounding
        // (about 5e-6 here), not bit for bit.
        float gap = ours.Logits.Zip(theirs.Logits, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(gap < 1e-4f, string.Create(CultureInfo.InvariantCulture, $"largest logit difference {gap}"));
    }

    [Fact]
    public void HuggingFaceSource_ExportedToGguf_RunsInLlamaCppAsTheOriginal()
    {
        // stories260K as a Hugging Face folder (rotate-half rows), then GGUF: the writer must put the
        // rows back into llama.cpp's interleaved layout, or llama.cpp's rotation scrambles every head.
        string folder = _directory.File("stories-hf");
        SafeTensorsWriter.Write(folder, Stories.Weights, DecoderSettings.Llama2C);
        string path = _directory.File("from-hf.gguf");
        GgufWriter.Write(path, ModelCheckpoint.Load(folder), Tok512);
        using var peer = new LlamaCppDecoder(path, 512);
        var theirs = Greedy(Tok512.Encode("Once upon a time"), 64, (token, position) => peer.Forward(token, position).ToArray());
        Assert.Equal(TestFiles.ReadTokens("once-upon-a-time.greedy-256.tokens").Take(65), theirs.Tokens);
    }

    [Fact]
    public void MqaModel_LogitsAgreeWithLlamaCpp()
    {
        // One KV head for eight query heads, a separate classifier, a rope base and epsilon that are not
        // llama2.c's: every metadata key the writer emits changes the numbers if it is read wrong.
        var shape = new ModelShape(64, 3, 8, 1, 128, 160, 512);
        var weights = TestModels.RandomWeights(shape, sharedClassifier: false, seed: 21);
        var settings = new DecoderSettings { RopeTheta = 500000f, RmsNormEpsilon = 1e-6f };
        string path = _directory.File("mqa.gguf");
        GgufWriter.Write(path, weights, settings, Tok512);
        var checkpoint = ModelCheckpoint.Load(path);
        var session = new LlamaDecoder(checkpoint).CreateSession(new GenericAttention(shape));
        using var peer = new LlamaCppDecoder(path, 128);

        var random = new Random(4);
        float worst = 0;
        for (int position = 0; position < 100; position++)
        {
            int token = random.Next(512);
            var ours = session.Forward(token, position).ToArray();
            var theirs = peer.Forward(token, position);
            for (int i = 0; i < ours.Length; i++)
            {
                float difference = Math.Abs(ours[i] - theirs[i]) / (1 + Math.Abs(ours[i]));
                worst = Math.Max(worst, difference);
            }
        }

        Assert.True(worst < 1e-4f, string.Create(CultureInfo.InvariantCulture, $"largest relative logit difference {worst}"));
    }

    private sealed record Run(List<int> Tokens, List<float[]> Logits);

    /// <summary>Feeds the prompt, then the likeliest token, for <paramref name="steps"/> positions; stops at BOS as run.c does.</summary>
    private static Run Greedy(int[] prompt, int steps, Func<int, int, float[]> forward)
    {
        var tokens = new List<int> { prompt[0] };
        var logits = new List<float[]>();
        for (int position = 0; position < steps; position++)
        {
            var next = forward(tokens[position], position);
            logits.Add(next);
            int token = position + 1 < prompt.Length ? prompt[position + 1] : LlamaCppDecoder.ArgMax(next);
            tokens.Add(token);
            if (token == LlamaTokenizer.BosId)
            {
                break;
            }
        }

        return new Run(tokens, logits);
    }

    /// <summary>Where the two runs part, and by how much each engine preferred its choice.</summary>
    private static string Divergence(Run ours, Run theirs)
    {
        int at = 0;
        while (at < Math.Min(ours.Tokens.Count, theirs.Tokens.Count) && ours.Tokens[at] == theirs.Tokens[at])
        {
            at++;
        }

        if (at == 0 || at > ours.Logits.Count || at > theirs.Logits.Count)
        {
            return $"the runs differ in length: {ours.Tokens.Count} and {theirs.Tokens.Count} tokens";
        }

        var a = ours.Logits[at - 1];
        var b = theirs.Logits[at - 1];
        int x = ours.Tokens[at], y = theirs.Tokens[at];
        return string.Create(CultureInfo.InvariantCulture,
            $"greedy tokens part at position {at}: KernelGen picks {x} (logit {a[x]}, llama.cpp gives it {b[x]}), llama.cpp picks {y} (logit {b[y]}, KernelGen gives it {a[y]}); the top-two gap is {a[x] - a[y]} in KernelGen and {b[y] - b[x]} in llama.cpp");
    }
}
