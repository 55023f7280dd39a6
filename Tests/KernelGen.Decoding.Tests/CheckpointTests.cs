using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelGen.Checkpoints;
using KernelGen.Samples.Stories;
using Xunit;

namespace KernelGen.Decoding.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void LoadsStories260K()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
        Assert.Equal(new CheckpointHeader(64, 172, 5, 8, 4, 512, 512), checkpoint.Header);
        Assert.Equal(new ModelShape(64, 5, 8, 4, 512, 172, 512), checkpoint.Shape);
        Assert.True(checkpoint.Weights.SharedClassifier);
        Assert.Equal(264_128, checkpoint.Weights.Payload.Length);
        Assert.Equal(260_032 + 4_096, LlamaWeights.PayloadLength(checkpoint.Shape, sharedClassifier: true));

        // Tied classifier: the very same memory as the embedding, not a copy.
        Assert.True(checkpoint.Weights.Classifier == checkpoint.Weights.TokenEmbedding);
        Assert.Equal(64 * 64, checkpoint.Weights.QueryProjection(4).Length);
        Assert.Equal(32 * 64, checkpoint.Weights.KeyProjection(0).Length);
        Assert.Equal(64 * 172, checkpoint.Weights.DownProjection(2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint.Weights.QueryProjection(5).Length);

        // Read straight into a cache-line-aligned payload, so 64-float rows never straddle a line.
        // (The payload's array is pinned, so its address is stable.)
        Assert.Equal(0, Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(checkpoint.Weights.Payload)) % 64);
    }

    [Fact]
    public void TensorsSitWhereTheFormatSays()
    {
        var weights = Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights;
        var file = File.ReadAllBytes(TestFiles.ModelPath);
        float FileFloat(long index) => BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(28 + (int)index * 4));

        // docs/FORMATS.md §1: embedding 32768, att norm 320, wq 20480, wk 10240, wv 10240, wo 20480, ffn norm 320, w1 55040, w2 55040, w3 55040, final 64.
        Assert.Equal(FileFloat(32768 + 320), weights.QueryProjection(0)[0]);
        Assert.Equal(FileFloat(32768 + 320 + 20480 + 10240 + 10240 + 20480 + 320 + 55040 + 55040 + 55040), weights.FinalNorm[0]);
        Assert.Equal(FileFloat(32768 + 320 + 4096 + 4095), weights.QueryProjection(1)[4095]);
    }

    [Fact]
    public void LoadsASeparateClassifier()
    {
        var shape = new ModelShape(16, 2, 4, 2, 8, 24, 40);
        string path = TestModels.WriteRandomCheckpoint(_directory, "separate.bin", shape, sharedClassifier: false, seed: 3);
        var checkpoint = Llama2cCheckpoint.Load(path);
        Assert.Equal(-40, checkpoint.Header.SignedVocab);
        Assert.False(checkpoint.Weights.SharedClassifier);
        Assert.Equal(shape, checkpoint.Shape);
        var payload = TestModels.RandomPayload(shape, false, 3);
        Assert.Equal(payload.AsSpan(payload.Length - 40 * 16).ToArray(), checkpoint.Weights.Classifier.ToArray());
        Assert.False(checkpoint.Weights.Classifier == checkpoint.Weights.TokenEmbedding);
    }

    [Fact]
    public void MissingFileNamesTheFile()
    {
        string path = _directory.File("absent.bin");
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "file");
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFolderNamesTheFile()
    {
        string path = Path.Combine(_directory.Path, "no-such-folder", "model.bin");
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "file");
    }

    [Fact]
    public void AFolderIsNotACheckpoint()
    {
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(_directory.Path));
        AssertNames(e, _directory.Path, "file");
        Assert.Contains("is a folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileShorterThanTheHeaderNamesTheHeader()
    {
        string path = Write("short.bin", File.ReadAllBytes(TestFiles.ModelPath)[..20]);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "header");
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1_000, "token_embedding_table")]
    [InlineData(28 + 4 * (32768 + 320 + 100), "wq")]
    [InlineData(1_056_540 - 4, "freq_cis_imag")]
    public void TruncatedFileNamesTheTensorItEndsIn(int keep, string tensor)
    {
        string path = Write("truncated.bin", File.ReadAllBytes(TestFiles.ModelPath)[..keep]);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, tensor);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("1056540", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraBytesNameTheFileAndTheSize()
    {
        string path = Write("extra.bin", [.. File.ReadAllBytes(TestFiles.ModelPath), 0, 0, 0, 0]);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "file size");
        Assert.Contains("4 extra bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlippedClassifierFlagIsCaughtBySize()
    {
        // Negative vocab_size promises a separate classifier that this file does not have.
        var bytes = File.ReadAllBytes(TestFiles.ModelPath);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5 * 4), -512);
        string path = Write("flag.bin", bytes);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "wcls");
    }

    [Theory]
    [InlineData(0, 0, "dim")]
    [InlineData(1, -172, "hidden_dim")]
    [InlineData(2, 0, "n_layers")]
    [InlineData(3, 0, "n_heads")]
    [InlineData(4, -4, "n_kv_heads")]
    [InlineData(5, 0, "vocab_size")]
    [InlineData(5, int.MinValue, "vocab_size")]
    [InlineData(6, 0, "seq_len")]
    public void NonPositiveHeaderFieldsAreNamed(int index, int value, string field)
    {
        string path = WriteWithHeaderField("bad-field.bin", index, value);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, field);
        Assert.Equal(field, e.Field);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 7, "dim", "KG0002")]          // dim 64 is not a multiple of 7 heads
    [InlineData(4, 3, "n_kv_heads", "KG0003")]   // 8 heads are not a multiple of 3 KV heads
    [InlineData(3, 64, "n_heads", "KG0004")]     // head_dim 1 is odd
    [InlineData(6, 2_000_000, "seq_len", "KG0005")]
    public void InconsistentHeaderFieldsAreNamedWithTheRule(int index, int value, string field, string rule)
    {
        string path = WriteWithHeaderField("inconsistent.bin", index, value);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, field);
        Assert.Contains(rule, e.Message, StringComparison.Ordinal);
        Assert.IsType<ModelShapeException>(e.InnerException);
    }

    [Fact]
    public void AHeaderTooLargeToCountIsRejectedNotWrapped()
    {
        var bytes = File.ReadAllBytes(TestFiles.ModelPath);
        int[] fields = [1 << 30, 1 << 30, int.MaxValue, 1 << 20, 1 << 20, 512, 512];   // dim, hidden, layers, heads, kv heads
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), fields[i]);
        }

        string path = Write("huge.bin", bytes);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "header");
    }

    [Fact]
    public void VersionedExportsAreRecognized()
    {
        var bytes = File.ReadAllBytes(TestModels.WriteRandomCheckpoint(_directory, "v0.bin", new ModelShape(8, 1, 2, 2, 4, 8, 8), true, 1));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, CheckpointHeader.VersionedExportMagic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        string path = Write("ak42.bin", bytes);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path));
        AssertNames(e, path, "magic");
        Assert.Contains("version-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadsIntoAMatchingCompiledClass()
    {
        var checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath, Stories260K.Shape, nameof(Stories260K));
        Assert.Equal(Stories260K.Shape, checkpoint.Shape);
    }

    [Fact]
    public void AShapeThatDoesNotMatchTheCompiledClassNamesEachField()
    {
        var shape = new ModelShape(64, 5, 8, 2, 256, 172, 512);
        string path = TestModels.WriteRandomCheckpoint(_directory, "other.bin", shape, true, 5);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path, Stories260K.Shape, nameof(Stories260K)));
        AssertNames(e, path, "n_kv_heads");
        Assert.Contains("Stories260K", e.Message, StringComparison.Ordinal);
        Assert.Contains("n_kv_heads is 2, compiled for 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALongerContextThanCompiledIsRejected()
    {
        var shape = new ModelShape(64, 5, 8, 4, 1024, 172, 512);
        string path = TestModels.WriteRandomCheckpoint(_directory, "long.bin", shape, true, 5);
        var e = Assert.Throws<CheckpointException>(() => Llama2cCheckpoint.Load(path, Stories260K.Shape, nameof(Stories260K)));
        AssertNames(e, path, "seq_len");
    }

    [Fact]
    public void WeightsRejectAPayloadOfTheWrongLength()
    {
        var shape = new ModelShape(8, 1, 2, 2, 4, 8, 8);
        Assert.Throws<ArgumentException>(() => new LlamaWeights(shape, true, new float[LlamaWeights.PayloadLength(shape, true) + 1]));
        Assert.Throws<ArgumentException>(() => new LlamaWeights(new ModelShape(8, 1, 2, 2, 4), true, []));
    }

    private string WriteWithHeaderField(string name, int index, int value)
    {
        var bytes = File.ReadAllBytes(TestFiles.ModelPath);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(index * 4), value);
        return Write(name, bytes);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _directory.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertNames(CheckpointException e, string path, string field)
    {
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Field, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }
}
