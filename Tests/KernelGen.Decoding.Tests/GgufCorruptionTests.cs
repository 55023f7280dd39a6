using System;
using System.IO;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>A GGUF file that ends early, is not GGUF, or lies about its keys, sizes or offsets is refused with the key or tensor named, and never read past its end.</summary>
public sealed class GgufCorruptionTests : IDisposable
{
    private static readonly Lazy<byte[]> Stories = new(() =>
    {
        using var directory = new TempDirectory();
        string path = directory.File("stories.gguf");
        GgufWriter.Write(path, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C, LlamaTokenizer.Load(TestFiles.TokenizerPath, 512));
        return File.ReadAllBytes(path);
    });

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void WrongMagic()
    {
        var bytes = Copy();
        "GGML"u8.CopyTo(bytes);
        var e = Refused(bytes, "magic", "is not a GGUF file");
        Assert.Contains("47 47 4D 4C", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedVersion()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt32(bytes, 4, 1);
        Refused(bytes, "version", "format version 1");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(5000)]
    public void TruncatedInsideTheHeaderOrMetadata(int length)
    {
        var e = Assert.Throws<CheckpointException>(() => GgufFile.Open(Write(Copy().AsSpan(0, length).ToArray())));
        Assert.True(e.Message.Contains("ends early", StringComparison.Ordinal) || e.Message.Contains("claims", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void TruncatedInsideTheTensorInfos()
    {
        var bytes = Copy();
        int cut = GgufBytes.StringAt(bytes, "blk.2.attn_q.weight") + 12;
        Refused(bytes.AsSpan(0, cut).ToArray(), "tensor infos", "ends early");
    }

    [Fact]
    public void TruncatedInsideTheTensorData_NamesTheTensorThatNoLongerFits()
    {
        var bytes = Copy();
        var e = Refused(bytes.AsSpan(0, bytes.Length - 100).ToArray(), "output_norm.weight", "past the end of the file");
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorCountTheFileCannotHold()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt64(bytes, 8, ulong.MaxValue / 2);
        Refused(bytes, "header", "claims");
    }

    [Fact]
    public void StringLongerThanTheFile()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt64(bytes, GgufBytes.StringAt(bytes, "general.name"), 1UL << 40);
        Refused(bytes, "metadata", "claims to be a string");
    }

    [Fact]
    public void ArrayLongerThanTheFile()
    {
        var bytes = Copy();
        int type = GgufBytes.ValueTypeOf(bytes, "tokenizer.ggml.tokens");
        GgufBytes.WriteUInt64(bytes, type + 8, 1UL << 50);   // after the value type and the element type
        Refused(bytes, "tokenizer.ggml.tokens", "claims an array");
    }

    [Fact]
    public void OffsetPastTheEnd()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt64(bytes, GgufBytes.TensorInfo(bytes, "blk.3.ffn_up.weight").Offset, 1UL << 40);
        Refused(bytes, "blk.3.ffn_up.weight", "past the end of the file");
    }

    [Fact]
    public void OffsetOffTheAlignment()
    {
        var bytes = Copy();
        int at = GgufBytes.TensorInfo(bytes, "blk.3.ffn_up.weight").Offset;
        GgufBytes.WriteUInt64(bytes, at, GgufBytes.ReadUInt64(bytes, at) + 4);
        Refused(bytes, "blk.3.ffn_up.weight", "not a multiple of the alignment 32");
    }

    [Fact]
    public void OverlappingTensors()
    {
        var bytes = Copy();
        ulong q = GgufBytes.ReadUInt64(bytes, GgufBytes.TensorInfo(bytes, "blk.0.attn_q.weight").Offset);
        GgufBytes.WriteUInt64(bytes, GgufBytes.TensorInfo(bytes, "blk.0.attn_k.weight").Offset, q + 32);
        Refused(bytes, "blk.0.attn_k.weight", "must not overlap");
    }

    [Fact]
    public void WrongTensorSize_NamesTheTensorAndBothShapes()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt64(bytes, GgufBytes.TensorInfo(bytes, "blk.1.ffn_up.weight").FirstDimension + 8, 171);
        var e = Refused(bytes, "blk.1.ffn_up.weight", "[64, 171]");
        Assert.Contains("needs [64, 172]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorSizeLargerThanTheFile()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt64(bytes, GgufBytes.TensorInfo(bytes, "blk.1.ffn_up.weight").FirstDimension + 8, 1 << 30);
        Refused(bytes, "blk.1.ffn_up.weight", "past the end of the file");
    }

    [Fact]
    public void UnsupportedQuantizedTensor()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt32(bytes, GgufBytes.TensorInfo(bytes, "blk.2.attn_v.weight").Type, 3);
        Refused(bytes, "blk.2.attn_v.weight", "Q4_1");
    }

    [Fact]
    public void QuantizedRowsNotWholeBlocks()
    {
        // stories260K's hidden size 172 is not a multiple of 32: its ffn_down rows cannot be Q8_0 blocks.
        var bytes = Copy();
        GgufBytes.WriteUInt32(bytes, GgufBytes.TensorInfo(bytes, "blk.0.ffn_down.weight").Type, 8);
        Refused(bytes, "blk.0.ffn_down.weight", "rows of 172 values, which is not a multiple of 32");
    }

    [Fact]
    public void MissingKey()
    {
        var bytes = Copy();
        Rename(bytes, "llama.block_count", "llama.block_coun7");
        Refused(bytes, "llama.block_count", "llama.block_count is missing");
    }

    [Fact]
    public void MistypedKey()
    {
        var bytes = Copy();
        GgufBytes.WriteUInt32(bytes, GgufBytes.ValueTypeOf(bytes, "llama.block_count"), (uint)GgufValueType.Float32);
        Refused(bytes, "llama.block_count", "is float32");
    }

    [Theory]
    [InlineData(3u, "Heads (8) must be a multiple of KvHeads (3)")]
    [InlineData(0u, "must be 1 to")]
    public void KeyOutOfRange(uint kvHeads, string message)
    {
        var bytes = Copy();
        GgufBytes.WriteUInt32(bytes, GgufBytes.ValueTypeOf(bytes, "llama.attention.head_count_kv") + 4, kvHeads);
        Refused(bytes, "llama.attention.head_count_kv", message);
    }

    [Fact]
    public void MissingTensor()
    {
        var bytes = Copy();
        Rename(bytes, "blk.4.ffn_down.weight", "blk.4.ffn_dowX.weight");
        Refused(bytes, "blk.4.ffn_down.weight", "the tensor blk.4.ffn_down.weight (w2) is missing");
    }

    [Fact]
    public void OtherArchitecture()
    {
        var bytes = Copy();
        Rename(bytes, "llama", "gemma", first: true);
        Refused(bytes, "general.architecture", "\"gemma\"");
    }

    [Fact]
    public void DuplicateKey()
    {
        var bytes = Copy();
        Rename(bytes, "general.alignment", "llama.block_count");
        Refused(bytes, "llama.block_count", "appears twice");
    }

    private static byte[] Copy() => (byte[])Stories.Value.Clone();

    /// <summary>Replaces a length-prefixed string by another of the same length.</summary>
    private static void Rename(byte[] bytes, string from, string to, bool first = false)
    {
        Assert.Equal(from.Length, to.Length);
        int at = first ? bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(from)) - 8 : GgufBytes.StringAt(bytes, from);
        Encoding.UTF8.GetBytes(to).CopyTo(bytes, at + 8);
    }

    private string Write(byte[] bytes)
    {
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".gguf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private CheckpointException Refused(byte[] bytes, string field, string message)
    {
        string path = Write(bytes);
        var e = Assert.Throws<CheckpointException>(() => ModelCheckpoint.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        return e;
    }
}
