using System;
using KernelGen.Patterns;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>A Fixed pattern built in code holds its block length as BlockLength, not as Strided's Stride.</summary>
public class FixedPatternBlockLengthTests
{
    [Fact]
    public void Fixed_KeepsItsBlockLength_AndHasNoStride()
    {
        var pattern = AttentionPattern.Fixed(24, 4, summaryPatterns: 3);

        Assert.Equal(24, pattern.BlockLength);
        Assert.Equal(0, pattern.Stride);
        Assert.Equal("Fixed(block 24, summary 4, 3 summary patterns)", pattern.ToString());
    }

    [Fact]
    public void Strided_KeepsItsStride_AndHasNoBlockLength()
    {
        var pattern = AttentionPattern.Strided(16);

        Assert.Equal(16, pattern.Stride);
        Assert.Equal(0, pattern.BlockLength);
    }

    [Fact]
    public void Fixed_WithoutABlock_IsRejectedNamingBlockLength()
    {
        var error = Assert.Throws<ArgumentException>(() => AttentionPattern.Fixed(0, 4));

        Assert.Equal("BlockLength", error.ParamName);
        Assert.Contains("the Fixed pattern needs a positive BlockLength, but it is 0 [KG0020]", error.Message);
    }
}
