using System;
using System.IO;
using System.Text.RegularExpressions;
using KernelGen.Checkpoints;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>A safetensors checkpoint that ends early, is not safetensors, lies about sizes or offsets, or has a bad config is refused with the tensor or key named.</summary>
public sealed class SafeTensorsCorruptionTests : IDisposable
{
    private static readonly ModelShape Shape = new(16, 2, 4, 2, 32, 24, 40);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void TooShortForTheHeaderLength()
    {
        string folder = Model();
        File.WriteAllBytes(Weights(folder), new byte[] { 1, 2, 3 });
        Refused(folder, Weights(folder), "header", "ends early: it holds 3 bytes");
    }

    [Fact]
    public void HeaderLongerThanTheFile()
    {
        string folder = Model();
        var bytes = File.ReadAllBytes(Weights(folder));
        File.WriteAllBytes(Weights(folder), bytes.AsSpan(0, 40).ToArray());
        Refused(folder, Weights(folder), "header", "ends early: its header claims");
    }

    [Fact]
    public void NotASafetensorsFile()
    {
        // A GGUF file where safetensors should be: its first 8 bytes read as an absurd header length.
        string folder = Model();
        File.WriteAllBytes(Weights(folder), "GGUF\u0003\0\0\0garbage-garbage-garbage"u8.ToArray());
        Refused(folder, Weights(folder), "header", "ends early: its header claims");
    }

    [Fact]
    public void HeaderThatIsNotJson()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => header.Replace("\"dtype\"", "dtype", StringComparison.Ordinal));
        Refused(folder, Weights(folder), "header", "not valid JSON (header line 1");
    }

    [Fact]
    public void TruncatedData_NamesTheLastTensor()
    {
        string folder = Model();
        var bytes = File.ReadAllBytes(Weights(folder));
        File.WriteAllBytes(Weights(folder), bytes.AsSpan(0, bytes.Length - 10).ToArray());
        Refused(folder, Weights(folder), "lm_head.weight", "past the end of the file");
    }

    [Fact]
    public void WrongTensorSize()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => header.Replace(
            "\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[16]", "\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[15]", StringComparison.Ordinal));
        Refused(folder, Weights(folder), "model.norm.weight", "15 elements × 4 bytes, but its data_offsets");
    }

    [Fact]
    public void OffsetsPastTheEnd()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => Regex.Replace(
            header, "(\"lm_head.weight\":\\{[^}]*\"data_offsets\":\\[)(\\d+),(\\d+)", m => m.Groups[1].Value + "100000," + (100000 + 40 * 16 * 4)));
        Refused(folder, Weights(folder), "lm_head.weight", "past the end of the file");
    }

    [Fact]
    public void OverlappingTensors()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => Regex.Replace(
            header, "(\"model.norm.weight\":\\{[^}]*\"data_offsets\":\\[)(\\d+),(\\d+)", m => m.Groups[1].Value + "0,64"));
        Refused(folder, Weights(folder), null, "must not overlap");
    }

    [Fact]
    public void ExtraBytesAfterTheLastTensor()
    {
        string folder = Model();
        File.AppendAllText(Weights(folder), "polyglot");
        Refused(folder, Weights(folder), "file size", "8 bytes after its last tensor");
    }

    [Fact]
    public void MissingTensor()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => header.Replace("model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.up_proX.weight", StringComparison.Ordinal));
        Refused(folder, folder, "model.layers.1.mlp.up_proj.weight", "has no tensor model.layers.1.mlp.up_proj.weight (w3)");
    }

    [Fact]
    public void UnsupportedElementType()
    {
        string folder = Model();
        SafeTensorsBuilder.RewriteHeader(Weights(folder), header => header.Replace(
            "\"model.norm.weight\":{\"dtype\":\"F32\"", "\"model.norm.weight\":{\"dtype\":\"I32\"", StringComparison.Ordinal));
        Refused(folder, Weights(folder), "model.norm.weight", "is I32");
    }

    [Fact]
    public void ShapeThatDisagreesWithTheConfig()
    {
        string folder = Model();
        File.WriteAllText(Config(folder), File.ReadAllText(Config(folder)).Replace("\"intermediate_size\": 24", "\"intermediate_size\": 20", StringComparison.Ordinal));
        Refused(folder, Weights(folder), "model.layers.0.mlp.gate_proj.weight", "has shape [24, 16], but the config's shape");
    }

    [Fact]
    public void MissingConfig()
    {
        string folder = Model();
        File.Delete(Config(folder));
        Refused(folder, Config(folder), "file", "needs its config.json");
    }

    [Theory]
    [InlineData("\"num_hidden_layers\": 2,", "\"num_hidden_layers\": 2", "num_hidden_layers", 7, "not valid JSON")]
    [InlineData("\"num_hidden_layers\": 2,", "", "num_hidden_layers", 1, "num_hidden_layers is missing")]
    [InlineData("\"num_hidden_layers\": 2,", "\"num_hidden_layers\": \"two\",", "num_hidden_layers", 6, "num_hidden_layers is a string")]
    [InlineData("\"num_key_value_heads\": 2,", "\"num_key_value_heads\": 3,", "num_key_value_heads", 8, "Heads (4) must be a multiple of KvHeads (3)")]
    [InlineData("\"model_type\": \"llama\",", "\"model_type\": \"gpt2\",", "model_type", 3, "model_type is \"gpt2\"")]
    [InlineData("\"hidden_act\": \"silu\",", "\"hidden_act\": \"gelu\",", "hidden_act", 15, "SwiGLU")]
    [InlineData("\"hidden_act\": \"silu\",", "\"hidden_act\": \"silu\", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0},", "rope_scaling", 15, "plain RoPE only")]
    public void BadConfig_NamesTheKeyAndLine(string from, string to, string key, int line, string message)
    {
        string folder = Model();
        string text = File.ReadAllText(Config(folder));
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(Config(folder), text.Replace(from, to, StringComparison.Ordinal));
        var e = Refused(folder, Config(folder), message.StartsWith("not valid", StringComparison.Ordinal) ? "config.json" : key, message);
        Assert.Contains($"line {line}:", e.Message, StringComparison.Ordinal);
    }

    private string Model()
    {
        string folder = _directory.File(Guid.NewGuid().ToString("N"));
        SafeTensorsWriter.Write(folder, TestModels.RandomWeights(Shape, sharedClassifier: false, seed: 2), DecoderSettings.Llama2C);
        return folder;
    }

    private static string Weights(string folder) => Path.Combine(folder, "model.safetensors");

    private static string Config(string folder) => Path.Combine(folder, "config.json");

    private static CheckpointException Refused(string folder, string path, string? field, string message)
    {
        var e = Assert.Throws<CheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.Equal(field, e.Field);
        }

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        return e;
    }
}
