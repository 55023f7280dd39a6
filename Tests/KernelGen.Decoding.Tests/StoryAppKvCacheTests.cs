using System;
using System.IO;
using KernelGen.Samples.Stories;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The story CLI's <c>--kv-cache</c>: the format is used, and stderr states the cache's size.</summary>
public sealed class StoryAppKvCacheTests
{
    [Theory]
    [InlineData(null, "f32", 655360)]        // 5 layers x 4 KV heads x 512 positions x 8 numbers x 2 (keys, values) x 4 bytes
    [InlineData("f32", "f32", 655360)]
    [InlineData("bf16", "bf16", 327680)]
    [InlineData("f16", "f16", 327680)]
    [InlineData("q8", "int8", 245760)]       // 1 byte a number plus a float scale per key row and per value row
    public void StderrStatesTheFormatAndItsBytes(string? option, string name, long bytes)
    {
        var args = option is null ? new[] { "-n", "40", "Once upon a time" } : new[] { "--kv-cache", option, "-n", "40", "Once upon a time" };
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int code = StoryApp.Run(args, stdout, stderr);
        Assert.Equal(0, code);
        Assert.Contains($"kv cache  {name}: {bytes} bytes", stderr.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("Once upon a time", System.Text.Encoding.UTF8.GetString(stdout.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void F16StoryIsTheGoldenStory()
    {
        // Measured: the f16 cache's greedy story is fp32's to the last of 512 tokens (KvCacheGoldenTests).
        var stdout = new MemoryStream();
        int code = StoryApp.Run(new[] { "--kv-cache=f16", "Once upon a time" }, stdout, new StringWriter());
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout.ToArray());
    }

    [Theory]
    [InlineData("q4")]
    [InlineData("")]
    public void AnUnknownFormatIsAUsageError(string format)
    {
        var stderr = new StringWriter();
        int code = StoryApp.Run(new[] { "--kv-cache", format, "hi" }, new MemoryStream(), stderr);
        Assert.Equal(StoryApp.UsageError, code);
        Assert.Contains("--kv-cache must be f32, bf16, f16 or q8", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheParserReadsEveryName()
    {
        Assert.Equal(KvCacheFormat.BFloat16, StoryOptions.Parse(new[] { "--kv-cache", "bf16" }, out _)!.KvCache);
        Assert.Equal(KvCacheFormat.Int8, StoryOptions.Parse(new[] { "--kv-cache=q8" }, out _)!.KvCache);
        Assert.Null(StoryOptions.Parse(Array.Empty<string>(), out _)!.KvCache);
    }
}
