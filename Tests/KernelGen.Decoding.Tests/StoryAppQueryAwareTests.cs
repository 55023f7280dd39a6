using System;
using System.IO;
using KernelGen.Patterns;
using KernelGen.Samples.Stories;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>The story CLI's <c>--query-aware BLOCK:BUDGET[:SINKS[:WINDOW]]</c>: parsed into the pattern, applied to every layer, bad values refused.</summary>
public sealed class StoryAppQueryAwareTests
{
    [Fact]
    public void TheParserBuildsThePatternWithItsDefaults()
    {
        Assert.Equal(AttentionPattern.QueryAware(16, 256, 4, 16), StoryOptions.Parse(new[] { "--query-aware", "16:256" }, out _)!.QueryAware);
        Assert.Equal(AttentionPattern.QueryAware(16, 256, 0, 32), StoryOptions.Parse(new[] { "--query-aware=16:256:0:32" }, out _)!.QueryAware);
        Assert.Null(StoryOptions.Parse(Array.Empty<string>(), out _)!.QueryAware);
    }

    [Theory]
    [InlineData("16", "BLOCK:BUDGET")]
    [InlineData("16:x", "whole numbers")]
    [InlineData("16:256:4:32:1", "BLOCK:BUDGET")]
    [InlineData("16:30", "KG0033")]
    [InlineData("16:256:4:40", "KG0034")]
    [InlineData("0:256", "KG0020")]
    public void BadValuesAreUsageErrorsNamingTheRule(string value, string expected)
    {
        var stderr = new StringWriter();
        int code = StoryApp.Run(new[] { "--query-aware", value, "hi" }, new MemoryStream(), stderr);
        Assert.Equal(StoryApp.UsageError, code);
        Assert.Contains("--query-aware", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ABudgetLongerThanTheContextIsAUsageError()
    {
        var stderr = new StringWriter();
        int code = StoryApp.Run(new[] { "--query-aware", "16:1024", "hi" }, new MemoryStream(), stderr);
        Assert.Equal(StoryApp.UsageError, code);
        Assert.Contains("KG0021", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryLayerRunsThePattern_AndAShortStoryIsTheDenseOne()
    {
        // 40 positions under a budget of 256: every key still fits, so the story is dense's.
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int code = StoryApp.Run(new[] { "--query-aware", "16:256", "-n", "40", "Once upon a time" }, stdout, stderr);
        Assert.Equal(0, code);
        Assert.Contains("attention QueryAware(block 16, budget 256, 4 sinks, window 16) on every layer", stderr.ToString(), StringComparison.Ordinal);
        var dense = new MemoryStream();
        Assert.Equal(0, StoryApp.Run(new[] { "-n", "40", "Once upon a time" }, dense, new StringWriter()));
        Assert.Equal(dense.ToArray(), stdout.ToArray());
    }
}
