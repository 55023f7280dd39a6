using System.Globalization;
using System.Linq;
using System.Text;
using KernelGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>
/// Attribute values and files at extremes that once made the generator throw, run for minutes or
/// take gigabytes: each is now a KG diagnostic naming the limit and the value, and no exception
/// leaves the generator.
/// </summary>
public class BudgetTests
{
    [Theory]
    [InlineData("Layers = 2147483647", "")]
    [InlineData("Layers = 100000000", "[SparseAttention(SparsePattern.SlidingWindow, Window = 16, Layers = \"0-99999999\")]")]
    [InlineData("Layers = 100000", "[SparseAttention(SparsePattern.SlidingWindow, Window = 16, Layers = \"0-49999\")]\n[SparseAttention(SparsePattern.Strided, Stride = 16, Layers = \"50000-99999\")]")]
    public void KG0050_TooManyLayers_NamesTheLimitAtTheArgument(string layers, string patterns)
    {
        string source = $"using KernelGen;\n[TransformerModel(Dim = 64, {layers}, Heads = 8, MaxSeqLen = 256)]\n{patterns}\npublic partial class M;\n";
        var diagnostic = Assert.Single(Clean(source).Diagnostics);
        Assert.Equal("KG0050", diagnostic.Id);
        Assert.Contains("more than 1024", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains(layers.Split('=')[1].Trim(), diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(layers, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void KG0051_BigBirdWithTinyBlocksAtTheLongestContext_PointsAtBlockSize()
    {
        string source = "using KernelGen;\n[TransformerModel(Dim = 64, Layers = 2, Heads = 8, MaxSeqLen = 1048576)]\n" +
            "[SparseAttention(SparsePattern.BigBird, BlockSize = 1, WindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 2, Seed = 1)]\npublic partial class M;\n";
        var diagnostic = Assert.Single(Clean(source).Diagnostics);
        Assert.Equal("KG0051", diagnostic.Id);
        Assert.Contains("1048576 rows", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal("BlockSize = 1", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void KG0051_LayoutOfThousandsOfBlocks_IsRefusedAtItsBlockLine()
    {
        var diagnostic = Assert.Single(LayoutDiagnostics("# learned offline\nblock 1\n1\n11\n", maxSeqLen: 7168));
        Assert.Equal("KG0051", diagnostic.Id);
        Assert.Contains("7168 block rows, more than the 4096", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void KG0051_LayoutWithMoreEntriesThanTheTablesHold_IsRefused()
    {
        // A dense lower triangle of 4,096 blocks: 8.4M entries, twice the limit.
        var text = new StringBuilder("block 1\n");
        for (int row = 0; row < 4096; row++)
        {
            text.Append('1', row + 1).Append('0', 4095 - row).Append('\n');
        }

        var diagnostic = Assert.Single(LayoutDiagnostics(text.ToString(), maxSeqLen: 4096));
        Assert.Equal("KG0051", diagnostic.Id);
        Assert.Contains("more than 4194304 key blocks", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void KG0045_LayoutWithTenThousandHeads_StopsAtTheFirstHeadTooMany()
    {
        var text = new StringBuilder("block 64\n");
        for (int head = 0; head < 10_000; head++)
        {
            text.Append("head ").Append(head).Append("\n1000\n1100\n1010\n1101\n");
        }

        var diagnostic = Assert.Single(LayoutDiagnostics(text.ToString(), maxSeqLen: 256));
        Assert.Equal("KG0045", diagnostic.Id);
        Assert.Contains("'head 8' is one matrix more than the model's 8 heads", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(42, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    [Fact]
    public void LayoutWithTheLargestBlockAndEmptyHeads_IsASizeError()
    {
        var diagnostics = LayoutDiagnostics("block 2147483647\nhead 0\nhead 1\n", maxSeqLen: 256);
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.StartsWith("KG004", d.Id, System.StringComparison.Ordinal));
    }

    [Fact]
    public void LayoutWithNulBytes_IsKG0041WithAPrintableMessage()
    {
        var diagnostic = Assert.Single(LayoutDiagnostics("block 64\n1000\n11\u000000\n1010\n1101\n", maxSeqLen: 256));
        Assert.Equal("KG0041", diagnostic.Id);
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("U+0000", message);
        Assert.DoesNotContain(message, char.IsControl);
        Assert.Equal(3, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    [Fact]
    public void DiagnosticArguments_WriteControlCharactersAsEscapes()
    {
        var info = DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.LayoutFileMalformed, null, "found 'block\u00007'");
        Assert.Equal("found 'block\\u00007'", info.Arguments.Single());
    }

    [Fact]
    public void KG0053_AStepThatThrows_BecomesADiagnosticWithTheExceptionMessage()
    {
        // A spec no parser would make (zero heads): the planner divides by it.
        var spec = new ModelSpec("N", "Broken", 64, 1, 0, 0, 0, 0, 256, null, new[] { PatternSpec.Dense }.ToEquatableArray(), new[] { 0 }.ToEquatableArray());
        var (plan, failure) = GeneratorFailures.Plan(spec);
        Assert.Null(plan);
        Assert.NotNull(failure);
        Assert.Equal("KG0053", failure!.Descriptor.Id);
        Assert.Contains("planning the kernels of Broken", failure.Arguments.Single());
        Assert.Contains("Exception", failure.Arguments.Single());
    }

    private static GeneratorDriverRunResult Clean(string source, params AdditionalText[] files)
    {
        var (result, _) = GeneratorHarness.Run(new[] { source }, files);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.Empty(result.GeneratedTrees);
        return result;
    }

    private static System.Collections.Immutable.ImmutableArray<Diagnostic> LayoutDiagnostics(string layout, int maxSeqLen) =>
        Clean($"using KernelGen;\n[TransformerModel(Dim = 64, Layers = 2, Heads = 8, MaxSeqLen = {maxSeqLen})]\n[SparseAttention(SparsePattern.Layout, LayoutFile = \"learned.layout\")]\npublic partial class M;\n",
            new GeneratorHarness.InMemoryFile("/project/learned.layout", layout)).Diagnostics;
}
