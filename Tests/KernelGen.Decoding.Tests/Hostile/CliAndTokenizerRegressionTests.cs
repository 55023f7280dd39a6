using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using KernelGen.Samples.Stories;
using KernelGen.Sampling;
using KernelGen.Tokenization;
using Xunit;

namespace KernelGen.Decoding.Tests.Hostile;

/// <summary>
/// The hostile tokenizers, temperatures, prompts and files the CLI once mishandled: each is now a
/// clear error (or the right result), never a crash, a hang or a stack trace.
/// </summary>
public sealed class CliAndTokenizerRegressionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData((1 << 30) - 1)]
    [InlineData(1 << 30)]
    [InlineData(int.MaxValue)]
    public void TokenizerClaimingAHugeMaxTokenLength_EncodesAsTheRealOne(int claimed)
    {
        var bytes = File.ReadAllBytes(TestFiles.TokenizerPath);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, claimed);
        string path = _directory.File("huge-max.bin");
        File.WriteAllBytes(path, bytes);
        var real = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
        LlamaTokenizer? hostile = null;
        var outcome = Bounded.Run(() => hostile = LlamaTokenizer.Load(path, 512));
        Assert.Null(outcome.Error);
        Assert.Equal(claimed, hostile!.MaxTokenLength);

        // Merges join pieces of the real lengths, whatever the header claims; and an over-long prompt
        // is judged by them too, before it is encoded.
        string text = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
        int[]? tokens = null;
        var encode = Bounded.Run(() => tokens = hostile.Encode(text));
        Assert.Null(encode.Error);
        Assert.True(encode.AllocatedBytes < 1 << 20, $"encoding allocated {encode.AllocatedBytes} bytes");
        Assert.Equal(real.Encode(text), tokens);
        Assert.Equal(real.MinTokenCount(131_072), hostile.MinTokenCount(131_072));
    }

    [Fact]
    public void TokenizerFromDevZero_IsRefusedWithoutReadingForever()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var e = Bounded.Refused<TokenizerException>(() => LlamaTokenizer.Load("/dev/zero", 512), 1 << 20)!;
        Assert.Equal("/dev/zero", e.FilePath);
    }

    [Fact]
    public void TokenizerThatIsAFifo_IsRefusedInsteadOfWaiting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fifo = _directory.File("tok.fifo");
        UnixFiles.MakeFifo(fifo);
        var e = Bounded.Refused<TokenizerException>(() => LlamaTokenizer.Load(fifo, 512), 1 << 20)!;
        Assert.Equal(fifo, e.FilePath);
        Assert.Contains("not a regular file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CliWithAFifoOrDevZero_ExitsWithOneLine()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fifo = _directory.File("model.fifo");
        UnixFiles.MakeFifo(fifo);
        foreach (var args in new[] { new[] { "--model", fifo, "hi" }, new[] { "-z", "/dev/zero", "hi" }, new[] { "--model", "/dev/stdin", "hi" } })
        {
            var (code, stdout, stderr) = Run(args);
            Assert.Equal(StoryApp.RunError, code);
            Assert.Empty(stdout);
            Assert.StartsWith("stories: ", stderr, StringComparison.Ordinal);
            Assert.Single(stderr.TrimEnd().Split('\n'));
        }
    }

    [Theory]
    [InlineData(1e-38f)]
    [InlineData(1e-7f)]
    public void TemperatureSoSmallThatLogitsOverflow_IsRefused(float temperature)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(512, temperature, 0.9f, 42));
        Assert.Contains("1E-06", e.Message, StringComparison.Ordinal);
        var (code, _, stderr) = Run("-t", temperature.ToString("R", CultureInfo.InvariantCulture), "Once");
        Assert.Equal(StoryApp.UsageError, code);
        Assert.Contains("at least 1E-06", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallestTemperature_SamplesTheLargestLogitEvenWhenItOverflowsTheDivision()
    {
        var sampler = new Sampler(4, Sampler.MinTemperature, 0f, 7);
        var logits = new float[] { 1f, 3e33f, -2f, 5f };
        Assert.Equal(1, sampler.Sample(logits));
        Assert.All(logits, p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void InvalidUtf8Prompt_GivesTheSameTokensThroughTheCliAsThroughTheApi()
    {
        // Bytes .NET decodes to U+FFFD when they arrive as argv.
        byte[] raw = [0x4F, 0x6E, 0xC3, 0x28, 0xFF, 0xFE, 0x63, 0x65, 0xE2, 0x82, 0x20, 0x75, 0x70, 0x6F, 0x6E];
        string decoded = Encoding.UTF8.GetString(raw);
        string[] args = ["-n", "1", decoded];
        var rawArgs = CommandLineBytes.Match(
            Encoding.UTF8.GetBytes("stories\0-n\01\0").Concat(raw).Append((byte)0).ToArray(), args);
        Assert.NotNull(rawArgs);
        Assert.Equal(raw, StoryApp.PromptBytes(decoded, args, rawArgs));

        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        Assert.Equal(0, StoryApp.Run(args, rawArgs, stdout, stderr));
        int promptTokens = int.Parse(Regex.Match(stderr.ToString(), @"\((\d+) prompt tokens").Groups[1].Value, CultureInfo.InvariantCulture);
        var tokenizer = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
        Assert.Equal(tokenizer.Encode(raw).Length, promptTokens);
        Assert.NotEqual(tokenizer.Encode(decoded).Length, promptTokens);
    }

    [Fact]
    public void CommandLineBytesThatDoNotMatchTheStrings_AreNotUsed()
    {
        Assert.Null(CommandLineBytes.Match("stories\0other\0"u8, ["hi"]));
        Assert.Null(CommandLineBytes.Match("hi\0"u8, ["a", "hi"]));
        Assert.Equal("hi"u8.ToArray(), CommandLineBytes.Match("dotnet\0stories.dll\0hi\0"u8, ["hi"])![0]);
    }

    [Fact]
    public void AnUnexpectedException_IsOneLineSayingItIsABug()
    {
        using var stderr = new StringWriter();
        int code = StoryApp.Run(["-n", "4", "Once"], new ThrowingStream(), stderr);
        Assert.Equal(StoryApp.InternalError, code);
        string text = stderr.ToString();
        Assert.Contains("stories: internal error, a bug in KernelGen", text, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    private static (int Code, byte[] Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        int code = StoryApp.Run(args, stdout, stderr);
        return (code, stdout.ToArray(), stderr.ToString());
    }

    /// <summary>An output that fails in a way no reader or writer expects.</summary>
    private sealed class ThrowingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the output went away");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("the output went away");
    }
}
