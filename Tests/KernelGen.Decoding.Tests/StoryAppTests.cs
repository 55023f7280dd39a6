using System;
using System.IO;
using System.Linq;
using KernelGen.Decoding;
using KernelGen.Samples.Stories;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The story CLI, run in-process: its command line, its error paths and its output.</summary>
public sealed class StoryAppTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("generated", "generated (Stories260K)")]
    [InlineData("generic", "generic")]
    [InlineData("reference", "reference")]
    public void PrintsTheGoldenStoryAndReportsWhatRan(string kernels, string name)
    {
        var (code, stdout, stderr) = Run("--kernels", kernels, "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout);
        Assert.Contains("stories260K.bin", stderr, StringComparison.Ordinal);
        Assert.Contains("dim 64, 5 layers, 8 heads / 4 KV heads", stderr, StringComparison.Ordinal);
        Assert.Contains("kernels   " + name + ":", stderr, StringComparison.Ordinal);
        Assert.Contains("256 forward passes", stderr, StringComparison.Ordinal);
        Assert.Contains("tok/s", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsTakeBothFormsAndMatchRunC()
    {
        var (code, stdout, _) = Run("-t", "0.8", "--top-p=0.9", "-s", "42", "--steps", "200", "--", "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.t0.8-p0.9-s42-n200.stdout"), stdout);
    }

    [Fact]
    public void PrefillPrintsTheSameStory()
    {
        var (code, stdout, stderr) = Run("--prefill", "Once upon a time");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout);
        Assert.Contains("prefilled", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyPromptStartsFromBos()
    {
        var (code, stdout, _) = Run("");
        Assert.Equal(0, code);
        Assert.Equal(TestFiles.ReadTestData("once-upon-a-time.greedy-256.stdout"), stdout);
    }

    [Fact]
    public void HelpGoesToStdoutAndSucceeds()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage: stories", System.Text.Encoding.UTF8.GetString(stdout), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--steps")]
    [InlineData("--steps", "abc")]
    [InlineData("--steps", "-3")]
    [InlineData("-n", "1.5")]
    [InlineData("--temperature", "-1")]
    [InlineData("--temperature", "NaN")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--seed", "0")]
    [InlineData("--seed", "-7")]
    [InlineData("--kernels", "fast")]
    [InlineData("--model", "")]
    [InlineData("two", "prompts")]
    public void BadArgumentsPrintUsageAndFail(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(StoryApp.UsageError, code);
        Assert.Empty(stdout);
        Assert.StartsWith("stories: ", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage: stories", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);   // no stack trace
    }

    [Fact]
    public void AMissingModelIsAClearError()
    {
        string path = _directory.File("missing.bin");
        var (code, stdout, stderr) = Run("--model", path, "hi");
        Assert.Equal(StoryApp.RunError, code);
        Assert.Empty(stdout);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenizerForAnotherVocabularyIsAClearError()
    {
        var shape = new ModelShape(16, 1, 2, 1, 32, 24, 600);
        string model = TestModels.WriteRandomCheckpoint(_directory, "vocab600.bin", shape, true, 2);
        var (code, _, stderr) = Run("--model", model, "hi");
        Assert.Equal(StoryApp.RunError, code);
        Assert.Contains("tok512.bin", stderr, StringComparison.Ordinal);
        Assert.Contains("token 512", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void APromptLongerThanTheContextIsAClearError()
    {
        var (code, stdout, stderr) = Run(string.Concat(Enumerable.Repeat(" zq", 300)));
        Assert.Equal(StoryApp.RunError, code);
        Assert.Empty(stdout);
        Assert.Contains("context holds 512", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUncompiledShapeRunsOnGenericKernelsAndSaysSo()
    {
        var shape = new ModelShape(32, 2, 4, 2, 64, 48, 512);
        string model = TestModels.WriteRandomCheckpoint(_directory, "small.bin", shape, false, 9);
        var (code, stdout, stderr) = Run("--model", model, "-n", "20", "Once");
        Assert.Equal(0, code);
        Assert.NotEmpty(stdout);
        Assert.Contains("generated kernels not used", stderr, StringComparison.Ordinal);
        Assert.Contains("kernels   generic:", stderr, StringComparison.Ordinal);
        Assert.Contains("classifier separate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AShorterContextStillRunsOnTheGeneratedKernels()
    {
        // Same attention geometry as Stories260K, context 128 instead of 512: the compiled class accepts it.
        var shape = new ModelShape(64, 5, 8, 4, 128, 172, 512);
        string model = TestModels.WriteRandomCheckpoint(_directory, "short-context.bin", shape, true, 4);
        var (code, stdout, stderr) = Run("--model", model, "-n", "0", "Once");
        Assert.Equal(0, code);
        Assert.NotEmpty(stdout);
        Assert.Contains("kernels   generated (Stories260K):", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not used", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TheParserKeepsDefaultsLikeRunC()
    {
        var options = StoryOptions.Parse([], out string? error);
        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal("", options.Prompt);
        Assert.Equal(256, options.Steps);
        Assert.Equal(0f, options.Temperature);
        Assert.Equal(0.9f, options.TopP);
        Assert.Null(options.Seed);
        Assert.Equal(KernelChoice.Generated, options.Kernels);
    }

    private static (int Code, byte[] Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int code = StoryApp.Run(args, stdout, stderr);
        return (code, stdout.ToArray(), stderr.ToString());
    }
}
