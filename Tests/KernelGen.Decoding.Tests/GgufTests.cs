using System;
using System.IO;
using System.Linq;
using KernelGen.Checkpoints;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>GGUF: stories260K exported and read back runs exactly as the llama2.c file does; F16/BF16 widen once; the metadata becomes shape, settings and tokenizer.</summary>
public sealed class GgufTests : IDisposable
{
    private static readonly Llama2cCheckpoint Llama2C = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tok512 = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(KernelChoice.Generated)]
    [InlineData(KernelChoice.Generic)]
    public void GreedyTextThroughGgufEqualsTheLlama2CRun(KernelChoice kernels)
    {
        string path = ExportStories();
        var checkpoint = ModelCheckpoint.Load(path);
        Assert.Equal(CheckpointFormat.Gguf, checkpoint.Format);
        Assert.Equal(Llama2C.Shape, checkpoint.Shape);
        Assert.Equal(DecoderSettings.Llama2C, checkpoint.Settings);
        Assert.NotNull(checkpoint.Tokenizer);

        // The embedded tokenizer, not tok512.bin: GGUF carries its own vocabulary.
        Assert.NotNull(Stories260K.Shape);
        var attention = KernelSelection.Create(checkpoint.Shape, kernels, out string? fallback, checkpoint.LayerPatterns);
        Assert.Null(fallback);
        var generator = new TextGenerator(new LlamaDecoder(checkpoint).CreateSession(attention), checkpoint.Tokenizer!, Sampler.Greedy(512));
        var output = new MemoryStream();
        generator.Generate("Once upon a time", 256, output);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), output.ToArray());
        Assert.Equal(TestFiles.ReadTokens("once-upon-a-time.greedy-256.tokens"), generator.Tokens.ToArray());
    }

    [Fact]
    public void EveryParameterAndTokenSurvivesTheRoundTrip()
    {
        var checkpoint = ModelCheckpoint.Load(ExportStories());
        var original = Llama2C.Weights;
        var loaded = checkpoint.Weights;
        Assert.True(loaded.SharedClassifier);
        for (int layer = 0; layer < 5; layer++)
        {
            Assert.True(original.QueryProjection(layer).SequenceEqual(loaded.QueryProjection(layer)));
            Assert.True(original.KeyProjection(layer).SequenceEqual(loaded.KeyProjection(layer)));
            Assert.True(original.DownProjection(layer).SequenceEqual(loaded.DownProjection(layer)));
            Assert.True(original.FeedForwardNorm(layer).SequenceEqual(loaded.FeedForwardNorm(layer)));
        }

        Assert.True(original.TokenEmbedding.SequenceEqual(loaded.TokenEmbedding));
        Assert.True(original.FinalNorm.SequenceEqual(loaded.FinalNorm));

        var tokenizer = checkpoint.Tokenizer!;
        Assert.Equal(512, tokenizer.VocabSize);
        for (int id = 0; id < 512; id++)
        {
            Assert.True(Tok512.Piece(id).SequenceEqual(tokenizer.Piece(id)), $"piece {id}");
            Assert.Equal(Tok512.Score(id), tokenizer.Score(id));
        }
    }

    [Fact]
    public void MetadataIsWhatLlamaCppReads()
    {
        using var file = GgufFile.Open(ExportStories());
        Assert.Equal(3u, file.Version);
        Assert.Equal(32, file.Alignment);
        Assert.Equal("llama", file.Metadata["general.architecture"].Value);
        Assert.Equal(64u, file.Metadata["llama.embedding_length"].Value);
        Assert.Equal(4u, file.Metadata["llama.attention.head_count_kv"].Value);
        Assert.Equal(8u, file.Metadata["llama.rope.dimension_count"].Value);
        Assert.Equal(1e-5f, file.Metadata["llama.attention.layer_norm_rms_epsilon"].Value);
        var tokens = (string[])file.Metadata["tokenizer.ggml.tokens"].Value;
        Assert.Equal("\u2581a", tokens.First(t => t.EndsWith('a') && t.Length == 2));   // spaces are SentencePiece's U+2581
        var types = (int[])file.Metadata["tokenizer.ggml.token_type"].Value;
        Assert.Equal([2, 3, 3, 6], types.Take(4));   // <unk>, BOS, EOS, <0x00>
        Assert.Equal(6, types[258]);
        Assert.Equal(1, types[259]);

        var q = file.FindTensor("blk.0.attn_k.weight")!;
        Assert.Equal([64L, 32L], q.Dimensions);   // ggml order: the contiguous dimension first
        Assert.Equal(GgufTensorType.F32, q.Type);
        Assert.Equal(0, (q.FileOffset - file.DataOffset) % 32);
        Assert.Null(file.FindTensor("output.weight"));   // tied classifier
        Assert.Equal(47, file.Tensors.Count);
    }

    [Theory]
    [InlineData(GgufTensorType.F16)]
    [InlineData(GgufTensorType.BF16)]
    public void HalfPrecisionTensorsAreWidenedOnceAtLoad(GgufTensorType type)
    {
        string path = _directory.File("stories260K-" + type + ".gguf");
        GgufWriter.Write(path, Llama2C.Weights, DecoderSettings.Llama2C, Tok512, type);
        Assert.True(new FileInfo(path).Length < new FileInfo(ExportStories()).Length * 6 / 10);

        var checkpoint = ModelCheckpoint.Load(path);
        // Matrices in the half type, norm weights float32 (as llama.cpp's converters write them).
        Assert.Contains(type + "/F32 widened to F32", checkpoint.Description, StringComparison.Ordinal);
        var original = Llama2C.Weights.QueryProjection(3);
        var loaded = checkpoint.Weights.QueryProjection(3);
        for (int i = 0; i < original.Length; i++)
        {
            float expected = type == GgufTensorType.F16
                ? (float)(Half)original[i]
                : BitConverter.Int32BitsToSingle(GgufWriter.ToBFloat16(original[i]) << 16);
            Assert.Equal(expected, loaded[i]);
        }
    }

    [Fact]
    public void SettingsAndSlidingWindowComeFromTheMetadata()
    {
        var shape = new ModelShape(32, 2, 4, 1, 64, 48, 512);
        var weights = TestModels.RandomWeights(shape, sharedClassifier: false, seed: 11);
        var settings = new DecoderSettings { RopeTheta = 500000f, RmsNormEpsilon = 1e-6f, SlidingWindow = 16 };
        string path = _directory.File("mqa.gguf");
        GgufWriter.Write(path, weights, settings, Tok512);

        var checkpoint = ModelCheckpoint.Load(path);
        Assert.Equal(shape, checkpoint.Shape);
        Assert.Equal(settings, checkpoint.Settings);
        Assert.False(checkpoint.Weights.SharedClassifier);
        Assert.True(weights.Classifier.SequenceEqual(checkpoint.Weights.Classifier));
        var patterns = checkpoint.LayerPatterns!;
        Assert.All(patterns, p => Assert.Equal(Patterns.AttentionPattern.SlidingWindow(16), p));
    }

    private string ExportStories()
    {
        string path = _directory.File("stories260K.gguf");
        if (!File.Exists(path))
        {
            GgufWriter.Write(path, Llama2C.Weights, DecoderSettings.Llama2C, Tok512);
        }

        return path;
    }
}
