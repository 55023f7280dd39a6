using System;
using System.Linq;
using System.Text;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests;

public sealed class TokenizerTests
{
    private static readonly LlamaTokenizer Tokenizer = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);

    [Fact]
    public void LoadsTok512()
    {
        Assert.Equal(512, Tokenizer.VocabSize);
        Assert.Equal(7, Tokenizer.MaxTokenLength);
        Assert.Equal("\n<s>\n"u8.ToArray(), Tokenizer.Piece(LlamaTokenizer.BosId).ToArray());
        Assert.Equal("\n</s>\n"u8.ToArray(), Tokenizer.Piece(LlamaTokenizer.EosId).ToArray());
        Assert.Equal("<0x0A>"u8.ToArray(), Tokenizer.Piece(13).ToArray());
        Assert.Equal(" "u8.ToArray(), Tokenizer.Piece(410).ToArray());
        Assert.Equal(-1f, Tokenizer.Score(260));
        Assert.Equal(-252f, Tokenizer.Score(511));
    }

    /// <summary>A byte piece is "&lt;0x" two hex digits of either case "&gt;", as run.c's sscanf reads it; nothing else is.</summary>
    [Theory]
    [InlineData("<0x0A>", true, 0x0A)]
    [InlineData("<0xE2>", true, 0xE2)]
    [InlineData("<0xe2>", true, 0xE2)]
    [InlineData("<0xFF>", true, 0xFF)]
    [InlineData("<0x00>", true, 0x00)]
    [InlineData("<0xG1>", false, 0)]
    [InlineData("<0x1G>", false, 0)]
    [InlineData("<0x1>", false, 0)]
    [InlineData("<0X41>", false, 0)]
    [InlineData("<0x41 ", false, 0)]
    [InlineData("(0x41>", false, 0)]
    [InlineData("<0x:1>", false, 0)]
    [InlineData("<0x/1>", false, 0)]
    public void ByteTokens_ParseTwoHexDigits(string piece, bool parses, int expected)
    {
        Assert.Equal(parses, LlamaTokenizer.TryParseByteToken(Encoding.ASCII.GetBytes(piece), out byte value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void EncodesTheGoldenPrompt() =>
        Assert.Equal([1, 403, 407, 261, 378], Tokenizer.Encode("Once upon a time"));

    // Expected ids printed by run.c's own encode() (compiled with -DTESTING) on tok512.bin.
    [Theory]
    [InlineData("", new[] { 1 })]
    [InlineData("Hello, world!", new[] { 1, 346, 306, 414, 432, 263, 304, 341, 443 })]
    [InlineData("Lily's mom said, \"Don't worry.\"\nThe end.", new[] { 1, 317, 439, 419, 357, 336, 432, 313, 455, 289, 439, 413, 263, 304, 420, 422, 426, 436, 13, 434, 260, 344, 264, 426 })]
    [InlineData("   leading spaces", new[] { 1, 410, 410, 410, 278, 411, 380, 299, 262, 427, 412, 331, 419 })]
    [InlineData("The quick brown fox jumps over the lazy dog.", new[] { 1, 291, 410, 456, 425, 417, 340, 268, 420, 327, 416, 272, 414, 444, 410, 449, 425, 423, 427, 419, 334, 330, 265, 278, 412, 451, 422, 400, 428, 426 })]
    public void EncodesLikeRunC(string text, int[] expected) => Assert.Equal(expected, Tokenizer.Encode(text));

    [Fact]
    public void EncodesUnicodeWithByteFallbackLikeRunC()
    {
        // "Café naïve — 😀 日本": none of these code points is a tok512 piece, so each byte falls back.
        var text = "Caf\u00e9 na\u00efve \u2014 \U0001F600 \u65e5\u672c";
        int[] expected = [1, 410, 457, 412, 431, 485, 297, 412, 198, 178, 360, 410, 481, 410, 243, 162, 155, 131, 410, 233, 154, 168, 233, 159, 175];
        Assert.Equal(expected, Tokenizer.Encode(text));
    }

    [Fact]
    public void EncodesInvalidUtf8WithByteFallbackLikeRunC()
    {
        // A stray 0xFF, a lead byte without its continuation, a lone continuation byte.
        byte[] text = [(byte)'a', (byte)'b', 0xFF, 0xC3, (byte)'(', 0x80, (byte)'z'];
        Assert.Equal([1, 261, 430, 258, 198, 43, 131, 451], Tokenizer.Encode(text));
    }

    [Fact]
    public void AddsEosOnlyWhenAsked()
    {
        Assert.Equal([403, 407, 261, 378, LlamaTokenizer.EosId], Tokenizer.Encode("Once upon a time"u8, addBos: false, addEos: true));
        Assert.Equal([1], Tokenizer.Encode(""u8, addBos: true, addEos: false));
        Assert.Equal([LlamaTokenizer.EosId], Tokenizer.Encode(""u8, addBos: false, addEos: true));
    }

    [Theory]
    [InlineData("Once upon a time")]
    [InlineData("Hello, world!")]
    [InlineData("  two leading spaces and a trailing one ")]
    [InlineData("Tabs\tand\nnewlines\r\n")]
    [InlineData("Caf\u00e9 na\u00efve \u2014 \U0001F600 \u65e5\u672c")]
    [InlineData("<0x41> is not a byte token in text")]
    public void RoundTripsText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(bytes, Tokenizer.Detokenize(Tokenizer.Encode(bytes)));
    }

    [Fact]
    public void RoundTripsEveryByteAndRandomBytes()
    {
        var everyByte = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        Assert.Equal(everyByte, Tokenizer.Detokenize(Tokenizer.Encode(everyByte)));

        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            Assert.Equal(bytes, Tokenizer.Detokenize(Tokenizer.Encode(bytes)));
        }
    }

    [Fact]
    public void MergesAreNeverLongerThanTheNaiveEncoding()
    {
        // Every merged token covers at least one byte, so the count never exceeds bytes + BOS + prefix.
        var bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Once upon a time, there was a little girl. ", 20)));
        var tokens = Tokenizer.Encode(bytes);
        Assert.InRange(tokens.Length, Tokenizer.MinTokenCount(bytes.Length), LlamaTokenizer.MaxTokenCount(bytes.Length));
    }

    [Fact]
    public void DecodeDropsTheLeadingSpaceOnlyAfterBos()
    {
        Assert.Equal("Once"u8.ToArray(), Tokenizer.Decode(LlamaTokenizer.BosId, 403).ToArray());
        Assert.Equal(" Once"u8.ToArray(), Tokenizer.Decode(261, 403).ToArray());
    }

    [Fact]
    public void DecodeTurnsByteTokensIntoRawBytes()
    {
        Assert.Equal("\n"u8.ToArray(), Tokenizer.Decode(426, 13).ToArray());               // <0x0A>
        Assert.Equal("A"u8.ToArray(), Tokenizer.Decode(426, 'A' + 3).ToArray());          // <0x41>
        Assert.Equal("\t"u8.ToArray(), Tokenizer.Decode(426, '\t' + 3).ToArray());        // whitespace is printed
    }

    [Fact]
    public void DecodeSkipsNonPrintableSingleBytes()
    {
        Assert.True(Tokenizer.Decode(426, 0x01 + 3).IsEmpty);   // control byte
        Assert.True(Tokenizer.Decode(426, 0x00 + 3).IsEmpty);   // NUL
        Assert.True(Tokenizer.Decode(426, 0x7F + 3).IsEmpty);   // DEL
        Assert.True(Tokenizer.Decode(426, 0xC3 + 3).IsEmpty);   // lone UTF-8 lead byte: not printable in the C locale
        Assert.True(Tokenizer.Decode(426, 0xA9 + 3).IsEmpty);   // lone continuation byte
    }

    [Fact]
    public void DecodeLeavesMultiBytePiecesAlone()
    {
        // The hair space U+200A (id 511) is 3 bytes, none printable alone: printed whole, as run.c does.
        Assert.Equal("\u200A"u8.ToArray(), Tokenizer.Decode(426, 511).ToArray());
    }

    [Fact]
    public void RejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Piece(512));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode(1, -1));
    }

    [Fact]
    public void RejectsABufferThatIsTooSmall() =>
        Assert.Throws<ArgumentException>(() => Tokenizer.Encode("abc"u8, true, false, new int[3]));
}
