using System;
using System.IO;
using System.Linq;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using KernelGen.Sampling;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// Hugging Face safetensors folders: stories260K written the way Hugging Face stores Llama (Wq and Wk
/// rows in the rotate-half layout) runs on the rotate-half rotary embedding and prints run.c's text.
/// </summary>
public sealed class SafeTensorsTests : IDisposable
{
    private static readonly Llama2cCheckpoint Llama2C = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tok512 = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(KernelChoice.Generated)]
    [InlineData(KernelChoice.Reference)]
    public void RotateHalfCheckpointPrintsTheGoldenStory(KernelChoice kernels)
    {
        string folder = _directory.File("stories-hf");
        SafeTensorsWriter.Write(folder, Llama2C.Weights, DecoderSettings.Llama2C);
        var checkpoint = ModelCheckpoint.Load(folder);
        Assert.Equal(CheckpointFormat.SafeTensors, checkpoint.Format);
        Assert.Equal(RopeLayout.RotateHalf, checkpoint.Settings.RopeLayout);
        Assert.Equal(Llama2C.Shape, checkpoint.Shape);
        Assert.Null(checkpoint.Tokenizer);
        Assert.Contains("--tokenizer", checkpoint.TokenizerProblem, StringComparison.Ordinal);

        // The rows really moved: Hugging Face's Wq is not llama2.c's.
        Assert.False(Llama2C.Weights.QueryProjection(0).SequenceEqual(checkpoint.Weights.QueryProjection(0)));

        Assert.NotNull(Stories260K.Shape);
        var attention = KernelSelection.Create(checkpoint.Shape, kernels, out string? fallback, checkpoint.LayerPatterns);
        Assert.Null(fallback);
        var generator = new TextGenerator(new LlamaDecoder(checkpoint).CreateSession(attention), Tok512, Sampler.Greedy(512));
        var output = new MemoryStream();
        generator.Generate("Once upon a time", 256, output);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), output.ToArray());
    }

    [Fact]
    public void ConfigSettingsAreRead()
    {
        string folder = _directory.File("mistral-like");
        var shape = new ModelShape(32, 2, 4, 2, 64, 40, 512);
        var settings = new DecoderSettings { RopeTheta = 1e6f, RmsNormEpsilon = 1e-6f, SlidingWindow = 8 };
        SafeTensorsWriter.Write(folder, TestModels.RandomWeights(shape, false, 5), settings);
        var checkpoint = ModelCheckpoint.Load(Path.Combine(folder, "model.safetensors"));
        Assert.Equal(shape, checkpoint.Shape);
        Assert.Equal(settings with { RopeLayout = RopeLayout.RotateHalf }, checkpoint.Settings);
        Assert.False(checkpoint.Weights.SharedClassifier);
        Assert.Equal(2, checkpoint.LayerPatterns!.Count);
    }

    [Fact]
    public void SameWeightsInBothLayoutsGiveTheSameLogits()
    {
        // MQA with a separate classifier and a sliding window: the Hugging Face copy (rows permuted,
        // rotate-half rotation) must compute what the llama2.c copy computes, up to summation order.
        var shape = new ModelShape(64, 3, 8, 1, 48, 96, 512);
        var weights = TestModels.RandomWeights(shape, false, 9);
        var settings = new DecoderSettings { SlidingWindow = 12 };
        string folder = _directory.File("mqa");
        SafeTensorsWriter.Write(folder, weights, settings);
        var hf = ModelCheckpoint.Load(folder);

        var interleaved = new LlamaDecoder(weights, settings).CreateSession(new GenericAttention(shape, settings.LayerPatterns(shape)));
        var rotateHalf = new LlamaDecoder(hf).CreateSession(new GenericAttention(shape, hf.LayerPatterns));
        var random = new Random(3);
        for (int position = 0; position < 40; position++)
        {
            int token = random.Next(512);
            var a = interleaved.Forward(token, position).ToArray();
            var b = rotateHalf.Forward(token, position).ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4f * (1 + Math.Abs(a[i])), $"position {position}, logit {i}: {a[i]} vs {b[i]}");
            }
        }
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void HalfPrecisionWeightsAreWidened(string dtype)
    {
        string folder = _directory.File("half-" + dtype);
        SafeTensorsWriter.Write(folder, Llama2C.Weights, DecoderSettings.Llama2C, dtype);
        var checkpoint = ModelCheckpoint.Load(folder);
        Assert.Contains(dtype + " widened to F32", checkpoint.Description, StringComparison.Ordinal);
        var original = Llama2C.Weights.DownProjection(1);
        var loaded = checkpoint.Weights.DownProjection(1);
        for (int i = 0; i < original.Length; i++)
        {
            float expected = dtype == "F16" ? (float)(Half)original[i] : BitConverter.Int32BitsToSingle(GgufWriter.ToBFloat16(original[i]) << 16);
            Assert.Equal(expected, loaded[i]);
        }
    }

    [Fact]
    public void ShardedCheckpointsFollowTheIndex()
    {
        // Split the single file's tensors into two shards by rewriting them through the reader's own view.
        string folder = _directory.File("one");
        SafeTensorsWriter.Write(folder, Llama2C.Weights, DecoderSettings.Llama2C);
        string sharded = _directory.File("sharded");
        Directory.CreateDirectory(sharded);
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(sharded, "config.json"));
        using (var file = SafeTensorsFile.Open(Path.Combine(folder, "model.safetensors")))
        {
            var first = file.Tensors.Where(t => !t.Name.StartsWith("model.layers.4.", StringComparison.Ordinal)).ToList();
            var second = file.Tensors.Except(first).ToList();
            SafeTensorsBuilder.FromTensors(file, first).Save(Path.Combine(sharded, "model-00001-of-00002.safetensors"));
            SafeTensorsBuilder.FromTensors(file, second).Save(Path.Combine(sharded, "model-00002-of-00002.safetensors"));
            File.WriteAllText(Path.Combine(sharded, "model.safetensors.index.json"),
                "{\"metadata\": {}, \"weight_map\": {" + string.Join(",",
                    first.Select(t => $"\"{t.Name}\": \"model-00001-of-00002.safetensors\"").Concat(
                    second.Select(t => $"\"{t.Name}\": \"model-00002-of-00002.safetensors\""))) + "}}");
        }

        var checkpoint = ModelCheckpoint.Load(sharded);
        Assert.Contains("2 files", checkpoint.Description, StringComparison.Ordinal);
        Assert.True(ModelCheckpoint.Load(folder).Weights.Payload.SequenceEqual(checkpoint.Weights.Payload));
    }
}
