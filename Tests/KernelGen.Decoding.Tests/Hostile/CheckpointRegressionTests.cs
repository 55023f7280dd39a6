using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests.Hostile;

/// <summary>
/// The hostile checkpoints that once escaped the readers — an unhandled exception, a wrapped size,
/// gigabytes allocated before a check — each refused now with the file and key or tensor named,
/// allocating little. Every file is made here from the project's own writers, then altered.
/// </summary>
public sealed class CheckpointRegressionTests : IDisposable
{
    /// <summary>Reading the 1 MB stories260K model allocates about its size; hostile variants must stay near it.</summary>
    private const long SmallBound = 64L << 20;

    private static readonly Lazy<byte[]> StoriesGguf = new(() =>
    {
        using var directory = new TempDirectory();
        string path = directory.File("stories.gguf");
        GgufWriter.Write(path, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C, LlamaTokenizer.Load(TestFiles.TokenizerPath, 512));
        return File.ReadAllBytes(path);
    });

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(0.5f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void GgufRopeBaseNotAboveOne_NamesTheKey(float theta)
    {
        var bytes = StoriesGguf.Value.ToArray();
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(GgufBytes.ValueTypeOf(bytes, "llama.rope.freq_base") + 4), theta);
        var e = RefusedGguf(bytes);
        Assert.Equal("llama.rope.freq_base", e.Field);
    }

    [Fact]
    public void GgufRopeBaseAsFloat64BeyondFloat32_NamesTheKey()
    {
        var bytes = WithFloat64(StoriesGguf.Value, "llama.rope.freq_base", 1e300);
        var e = RefusedGguf(bytes);
        Assert.Equal("llama.rope.freq_base", e.Field);
        Assert.Contains("float32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GgufEpsilonAsFloat64BelowFloat32_NamesTheKey()
    {
        var e = RefusedGguf(WithFloat64(StoriesGguf.Value, "llama.attention.layer_norm_rms_epsilon", 1e-50));
        Assert.Equal("llama.attention.layer_norm_rms_epsilon", e.Field);
    }

    [Theory]
    [InlineData("llama.block_count", 1u << 20, "blk.5.attn_norm.weight")]
    [InlineData("llama.block_count", int.MaxValue, null)]
    [InlineData("llama.feed_forward_length", 1u << 20, "blk.0.ffn_gate.weight")]
    [InlineData("llama.feed_forward_length", int.MaxValue, null)]
    [InlineData("llama.embedding_length", 1u << 30, null)]
    public void GgufHugeSizes_FailBeforeAllocatingForThem(string key, uint value, string? field)
    {
        var bytes = StoriesGguf.Value.ToArray();
        GgufBytes.WriteUInt32(bytes, GgufBytes.ValueTypeOf(bytes, key) + 4, value);
        var e = RefusedGguf(bytes);
        if (field is not null)
        {
            Assert.Equal(field, e.Field);
        }
    }

    [Fact]
    public void GgufLongestContext_AllocatesOnlyItsSmallRotaryTables()
    {
        // 2^20 positions (the most a shape allows) at head_dim 8: 8M floats of legacy table slots,
        // under CheckpointRules.MaxRopeTableFloats, so the model loads, within the bound.
        var bytes = StoriesGguf.Value.ToArray();
        GgufBytes.WriteUInt32(bytes, GgufBytes.ValueTypeOf(bytes, "llama.context_length") + 4, 1u << 20);
        string path = _directory.File("long.gguf");
        File.WriteAllBytes(path, bytes);
        Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(path), 2 * 4L * CheckpointRules.MaxRopeTableFloats, mayLoad: true);
    }

    [Fact]
    public void ContextWhoseRotaryTablesDwarfTheWeights_IsRefused()
    {
        var shape = new ModelShape(1024, 1, 1, 1, 1 << 20, 1, 3);
        var e = Assert.Throws<CheckpointException>(() => CheckpointRules.CheckContext("model.gguf", "llama.context_length", "GGUF file 'model.gguf'", shape, LlamaWeights.PayloadLength(shape, true)));
        Assert.Equal("llama.context_length", e.Field);
        Assert.Contains("implausible", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GgufSmallFileClaimingManyLayers_ReportsTheMissingTensorHavingAllocatedLittle()
    {
        // Only the metadata and the first tensor infos of stories260K (a few KB), tensor count 0:
        // the embedding is missing, found before any payload is allocated.
        var bytes = StoriesGguf.Value.ToArray();
        GgufBytes.WriteUInt32(bytes, GgufBytes.ValueTypeOf(bytes, "llama.block_count") + 4, 1u << 20);
        GgufBytes.WriteUInt64(bytes, 8, 0);
        int end = GgufBytes.StringAt(bytes, "token_embd.weight");
        var e = RefusedGguf(bytes.AsSpan(0, end).ToArray(), bound: 4L << 20);
        Assert.Equal("token_embd.weight", e.Field);
    }

    [Theory]
    [InlineData(0, 1 << 30)]      // dim
    [InlineData(1, int.MaxValue)] // hidden_dim
    [InlineData(2, int.MaxValue)] // n_layers
    [InlineData(6, 1 << 20)]      // seq_len
    public void Llama2CHugeHeaderField_IsNeitherWrappedNorAllocated(int field, int value)
    {
        var bytes = File.ReadAllBytes(TestFiles.ModelPath);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * field), value);
        string path = _directory.File("huge.bin");
        File.WriteAllBytes(path, bytes);
        var e = Bounded.Refused<CheckpointException>(() => Llama2cCheckpoint.Load(path), SmallBound)!;
        Assert.Equal(path, e.FilePath);
        Assert.DoesNotContain("extra bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"rope_theta\": 10000", "\"rope_theta\": 0.5", "rope_theta")]
    [InlineData("\"rope_theta\": 10000", "\"rope_theta\": 1e-50", "rope_theta")]
    [InlineData("\"rms_norm_eps\": 1E-05", "\"rms_norm_eps\": 1e300", "rms_norm_eps")]
    [InlineData("\"intermediate_size\": 24", "\"intermediate_size\": 0", "intermediate_size")]
    [InlineData("\"vocab_size\": 40", "\"vocab_size\": 0", "vocab_size")]
    [InlineData("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2147483647", null)]
    [InlineData("\"intermediate_size\": 24", "\"intermediate_size\": 2147483647", null)]
    public void SafeTensorsConfigValue_IsAConfigErrorAtItsLine(string from, string to, string? key)
    {
        string folder = SafeTensorsModel();
        string config = Path.Combine(folder, "config.json");
        string text = File.ReadAllText(config);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(config, text.Replace(from, to, StringComparison.Ordinal));
        var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(folder), SmallBound)!;
        if (key is not null)
        {
            Assert.Equal(key, e.Field);
            Assert.Equal(config, e.FilePath);
            Assert.Matches(@"line \d+", e.Message);
        }
    }

    [Theory]
    [InlineData("model-00001\u0000.safetensors")]
    [InlineData("../model.safetensors")]
    [InlineData("..")]
    public void SafeTensorsIndexWithABadShardName_NamesTheWeightMap(string shard)
    {
        string folder = IndexedModel(_ => shard, tensors: 1);
        var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(folder), SmallBound)!;
        Assert.Equal("weight_map", e.Field);
    }

    [Fact]
    public void SafeTensorsIndexOfOneHundredThousandShards_FailsFast()
    {
        string folder = IndexedModel(i => $"model-{i:D6}-of-100000.safetensors", tensors: 100_000);
        var outcome = Bounded.Run(() => ModelCheckpoint.Load(folder));
        var e = Assert.IsType<CheckpointException>(outcome.Error);
        Assert.Equal("weight_map", e.Field);
        Assert.Contains("more than 4096 shard files", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SafeTensorsIndexNamingAMissingShard_SaysWhichBeforeOpeningAny()
    {
        string folder = IndexedModel(i => $"model-{i % 3}.safetensors", tensors: 9);
        var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(folder), SmallBound)!;
        Assert.EndsWith("model-0.safetensors", e.FilePath, StringComparison.Ordinal);
        Assert.Contains("was not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelThatIsAFifo_IsRefusedInsteadOfWaiting()
    {
        if (!UnixFiles.CanMakeFifo || !OperatingSystem.IsLinux())
        {
            return;   // on other systems opening a FIFO blocks in the OS call itself (see RegularFile)
        }

        foreach (string name in new[] { "model.bin", "model.gguf" })
        {
            string fifo = _directory.File(name);
            UnixFiles.MakeFifo(fifo);
            var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(fifo), SmallBound)!;
            Assert.Equal(fifo, e.FilePath);
            Assert.Contains("not a regular file", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ModelFromDevStdinOrADevice_IsRefusedClearly()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The test host's stdin is a pipe, a terminal or /dev/null: each is refused or reads as empty.
        foreach (string device in new[] { "/dev/stdin", "/dev/zero", "/dev/null" })
        {
            var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(device), SmallBound)!;
            Assert.Equal(device, e.FilePath);
        }
    }

    private CheckpointException RefusedGguf(byte[] bytes, long bound = SmallBound)
    {
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".gguf");
        File.WriteAllBytes(path, bytes);
        var e = Bounded.Refused<CheckpointException>(() => ModelCheckpoint.Load(path), bound)!;
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    /// <summary>
    /// <paramref name="file"/> with the float32 value of <paramref name="key"/> stored as float64
    /// instead: 4 bytes longer, so the padding before the tensor data shrinks (or grows by a block).
    /// </summary>
    private static byte[] WithFloat64(byte[] file, string key, double value)
    {
        int at = GgufBytes.ValueTypeOf(file, key);
        var replacement = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(replacement, 12);   // GGUF_TYPE_FLOAT64
        BinaryPrimitives.WriteDoubleLittleEndian(replacement.AsSpan(4), value);
        var spliced = file.AsSpan(0, at).ToArray().Concat(replacement).Concat(file.AsSpan(at + 8).ToArray()).ToArray();
        using var directory = new TempDirectory();
        using (var original = OpenGguf(directory, file))
        {
            int dataStart = (int)original.DataOffset + 4;
            // Either 4 bytes of padding are removed before the data, or one alignment block is added.
            var shrunk = spliced.AsSpan(0, dataStart - 4).ToArray().Concat(spliced.AsSpan(dataStart).ToArray()).ToArray();
            if (IsGgufWith(directory, shrunk, original.Tensors.Count))
            {
                return shrunk;
            }

            var grown = spliced.AsSpan(0, dataStart).ToArray().Concat(new byte[original.Alignment - 4]).Concat(spliced.AsSpan(dataStart).ToArray()).ToArray();
            Assert.True(IsGgufWith(directory, grown, original.Tensors.Count), "the float64 splice did not give a valid GGUF file");
            return grown;
        }
    }

    private static GgufFile OpenGguf(TempDirectory directory, byte[] bytes)
    {
        string path = directory.File(Guid.NewGuid().ToString("N") + ".gguf");
        File.WriteAllBytes(path, bytes);
        return GgufFile.Open(path);
    }

    private static bool IsGgufWith(TempDirectory directory, byte[] bytes, int tensors)
    {
        try
        {
            using var file = OpenGguf(directory, bytes);
            return file.Tensors.Count == tensors;
        }
        catch (CheckpointException)
        {
            return false;
        }
    }

    private string SafeTensorsModel()
    {
        string folder = _directory.File(Guid.NewGuid().ToString("N"));
        SafeTensorsWriter.Write(folder, TestModels.RandomWeights(new ModelShape(16, 2, 4, 2, 32, 24, 40), sharedClassifier: false, seed: 2), DecoderSettings.Llama2C);
        return folder;
    }

    /// <summary>A folder with config.json and an index whose weight_map names <paramref name="shardOf"/>(i) for tensor i (no shard files).</summary>
    private string IndexedModel(Func<int, string> shardOf, int tensors)
    {
        string folder = SafeTensorsModel();
        File.Delete(Path.Combine(folder, "model.safetensors"));
        var index = new StringBuilder("{\"weight_map\": {\n");
        for (int i = 0; i < tensors; i++)
        {
            string shard = shardOf(i).Replace("\u0000", "\\u0000", StringComparison.Ordinal);
            index.Append($"  \"tensor.{i}\": \"{shard}\"{(i + 1 < tensors ? "," : "")}\n");
        }

        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), index.Append("}}\n").ToString());
        return folder;
    }
}
