using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>Fixed's block length is BlockLength; Stride, Strided's parameter, is reported where it is written.</summary>
public partial class PatternDiagnosticTests
{
    [Fact]
    public void KG0025_StrideOnFixed_NamesBlockLength_AtTheStrideArgument()
    {
        const string Marked = "[SparseAttention(SparsePattern.Fixed, BlockLength = 32, [|Stride = 32|], Summary = 4)]";
        AssertSingle("KG0025", "Stride does not apply to the Fixed pattern and is ignored: Fixed takes BlockLength (the block length l); Stride is Strided's",
            Marked, DiagnosticSeverity.Warning);
    }

    [Fact]
    public void StrideInsteadOfBlockLength_WarnsAtStride_AndMissingBlockLengthIsAnError()
    {
        string source = "using KernelGen;\n" + Model + "\n[SparseAttention(SparsePattern.Fixed, Stride = 32, Summary = 4)]\npublic partial class M;\n";
        int stride = source.IndexOf("Stride = 32", System.StringComparison.Ordinal);
        int attribute = source.IndexOf("SparseAttention(", System.StringComparison.Ordinal);
        int attributeEnd = source.IndexOf(")]", attribute, System.StringComparison.Ordinal) + 1;

        var diagnostics = GeneratorHarness.Diagnostics(source).OrderBy(d => d.Id, System.StringComparer.Ordinal).ToArray();

        Assert.Equal(new[] { "KG0020", "KG0025" }, diagnostics.Select(d => d.Id));
        Assert.Equal(DiagnosticSeverity.Error, diagnostics[0].Severity);
        Assert.Equal("the Fixed pattern needs a positive BlockLength, but it is 0", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(TextSpan.FromBounds(attribute, attributeEnd), diagnostics[0].Location.SourceSpan);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostics[1].Severity);
        Assert.Contains("Fixed takes BlockLength (the block length l); Stride is Strided's", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(TextSpan.FromBounds(stride, stride + "Stride = 32".Length), diagnostics[1].Location.SourceSpan);
        Assert.Equal("Model0.cs", diagnostics[1].Location.GetLineSpan().Path);
    }

    [Fact]
    public void KG0021_BlockLengthLongerThanTheContext() =>
        AssertSingle("KG0021", "BlockLength (300) is longer than MaxSeqLen (256)", """
            [SparseAttention(SparsePattern.Fixed, [|BlockLength = 300|], Summary = 4)]
            """);
}
