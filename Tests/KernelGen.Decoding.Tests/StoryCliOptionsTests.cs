using System;
using System.IO;
using KernelGen.Samples.Stories;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The story CLI's llama.cpp-style long options, its thread count and its documented exit codes.</summary>
public sealed class StoryCliOptionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void LlamaCppLongOptionsMatchRunCsShortOnes()
    {
        var (code, stdout, _) = Run("--temp", "0.8", "--top-p", "0.9", "--seed", "42", "--steps", "200", "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.t0.8-p0.9-s42-n200.stdout"), stdout);
    }

    [Fact]
    public void NPredictCountsTokensAfterThePrompt()
    {
        // "Once upon a time" is 5 tokens with BOS: 4 forced steps, then 20 sampled ones.
        var (code, stdout, stderr) = Run("--n-predict", "20", "Once upon a time");
        Assert.Equal(0, code);
        Assert.Contains("24 forward passes (5 prompt tokens", stderr, StringComparison.Ordinal);
        var (_, golden, _) = Run("--steps", "24", "Once upon a time");
        Assert.Equal(golden, stdout);

        var (fill, _, fillErr) = Run("--n-predict", "-1", "Once upon a time");
        Assert.Equal(0, fill);
        Assert.Contains("stopped at BOS", fillErr, StringComparison.Ordinal);   // the whole context: the story ends first
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void AnExplicitThreadCountGivesTheSameStory(string threads)
    {
        var (code, stdout, stderr) = Run("--threads", threads, "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout);
        Assert.Contains("threads   " + threads + "\n", stderr.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "many")]
    [InlineData("--n-predict", "-2")]
    [InlineData("--temp", "-1")]
    public void BadValuesOfTheNewOptionsAreUsageErrors(string option, string value)
    {
        var (code, stdout, stderr) = Run(option, value, "hi");
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(option + " must be", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void StepsAndNPredictTogetherAreRefused()
    {
        var (code, _, stderr) = Run("--steps", "10", "--n-predict", "5", "hi");
        Assert.Equal(2, code);
        Assert.Contains("not both", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--bogus", "value")]
    [InlineData("-x")]
    public void AnUnknownOptionIsCalledUnknown(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith($"stories: Unknown option '{args[0]}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("needs a value", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedCheckpointExitsWithTwo()
    {
        string path = _directory.File("garbage.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        var (code, stdout, stderr) = Run("--model", path, "hi");
        Assert.Equal(2, code);
        Assert.Equal(StoryApp.RunError, code);
        Assert.Empty(stdout);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UsageDocumentsTheExitCodesAndNewOptions()
    {
        Assert.Contains("--threads N", StoryOptions.Usage, StringComparison.Ordinal);
        Assert.Contains("--n-predict N", StoryOptions.Usage, StringComparison.Ordinal);
        Assert.Contains("--temp", StoryOptions.Usage, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 done; 2 a bad option", StoryOptions.Usage, StringComparison.Ordinal);
    }

    private static (int Code, byte[] Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int code = StoryApp.Run(args, stdout, stderr);
        return (code, stdout.ToArray(), stderr.ToString());
    }
}
