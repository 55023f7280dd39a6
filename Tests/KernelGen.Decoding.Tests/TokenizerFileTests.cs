using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

public sealed class TokenizerFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly byte[] _original = File.ReadAllBytes(TestFiles.TokenizerPath);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void MissingFileNamesTheFile()
    {
        string path = _directory.File("absent.bin");
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void AFolderIsNotATokenizer()
    {
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(_directory.Path, 512));
        AssertNames(e, _directory.Path, "file");
        Assert.Contains("is a folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedFileNamesTheFileAndTheToken()
    {
        string path = Write("truncated.bin", _original[..(_original.Length - 3)]);
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        AssertNames(e, path, "token 511");
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileTooShortForItsHeaderNamesMaxTokenLength()
    {
        string path = Write("tiny.bin", [7, 0]);
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        AssertNames(e, path, "max_token_length");
    }

    [Fact]
    public void ExtraBytesNameTheFileAndTheSize()
    {
        string path = Write("extra.bin", [.. _original, 1, 2, 3, 4]);
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        AssertNames(e, path, "file size");
        Assert.Contains("4 extra bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AVocabularySmallerThanTheFileIsExtraBytes()
    {
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(TestFiles.TokenizerPath, 500));
        AssertNames(e, TestFiles.TokenizerPath, "file size");
    }

    [Fact]
    public void AVocabularyLargerThanTheFileIsTruncation()
    {
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(TestFiles.TokenizerPath, 513));
        AssertNames(e, TestFiles.TokenizerPath, "token 512");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void NonPositiveMaxTokenLengthIsRejected(int value)
    {
        var bytes = _original.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        string path = Write("max.bin", bytes);
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        AssertNames(e, path, "max_token_length");
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    [InlineData(int.MaxValue)]
    public void TokenLengthOutsideTheLimitIsRejected(int length)
    {
        var bytes = _original.ToArray();
        // Token 0's len sits after max_token_length (4 bytes) and its score (4 bytes).
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), length);
        string path = Write("len.bin", bytes);
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(path, 512));
        AssertNames(e, path, "len of token 0");
    }

    [Fact]
    public void TooSmallAVocabularyIsRejected()
    {
        var e = Assert.Throws<TokenizerException>(() => LlamaTokenizer.Load(TestFiles.TokenizerPath, 2));
        AssertNames(e, TestFiles.TokenizerPath, "vocab_size");
    }

    [Fact]
    public void AVocabularyWithoutByteTokensCannotEncodeUnknownBytes()
    {
        // The first 100 tokens of tok512: <unk>, BOS, EOS and byte tokens 0x00..0x60 only.
        int end = 4;
        for (int id = 0; id < 100; id++)
        {
            end += 8 + BinaryPrimitives.ReadInt32LittleEndian(_original.AsSpan(end + 4));
        }

        string path = Write("small.bin", _original[..end]);
        var tokenizer = LlamaTokenizer.Load(path, 100);
        Assert.Equal([1, 35, 'A' + 3], tokenizer.Encode("A"));   // ' ' and 'A' fall back to bytes 0x20 and 0x41
        var e = Assert.Throws<TokenizerException>(() => tokenizer.Encode("z"));
        AssertNames(e, path, "byte fallback");
        Assert.Contains("0x7A", e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _directory.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertNames(TokenizerException e, string path, string field)
    {
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Field, StringComparison.Ordinal);
    }
}
