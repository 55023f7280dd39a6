using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>
/// One test per diagnostic ID: the ID, the severity, the offending value in the message, and the
/// location, marked in the source with <c>[|…|]</c>.
/// </summary>
public class DiagnosticTests
{
    [Fact]
    public void KG0001_NonPositiveSize_PointsAtTheArgument() =>
        AssertSingle("KG0001", "Layers must be positive, but is 0", """
            [TransformerModel(Dim = 64, [|Layers = 0|], Heads = 8, MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0001_NegativeOptionalSize_IsReported() =>
        AssertSingle("KG0001", "HiddenDim must be positive, but is -1", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, [|HiddenDim = -1|], MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0001_MissingRequiredSize_PointsAtTheAttribute() =>
        AssertSingle("KG0001", "MaxSeqLen must be positive, but is 0", """
            [[|TransformerModel(Dim = 64, Layers = 1, Heads = 8)|]]
            public partial class M;
            """);

    [Fact]
    public void KG0002_DimNotMultipleOfHeads() =>
        AssertSingle("KG0002", "Dim (65) must be a multiple of Heads (8)", """
            [TransformerModel([|Dim = 65|], Layers = 1, Heads = 8, MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0003_HeadsNotMultipleOfKvHeads() =>
        AssertSingle("KG0003", "Heads (8) must be a multiple of KvHeads (3)", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, [|KvHeads = 3|], MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0003_MoreKvHeadsThanHeads() =>
        AssertSingle("KG0003", "Heads (4) must be a multiple of KvHeads (8)", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 4, [|KvHeads = 8|], MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0004_OddHeadDim() =>
        AssertSingle("KG0004", "Dim / Heads = 72 / 8 = 9 is odd", """
            [TransformerModel(Dim = 72, Layers = 1, [|Heads = 8|], MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0005_MaxSeqLenTooLarge() =>
        AssertSingle("KG0005", "MaxSeqLen (2000000) is larger than 1048576", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, [|MaxSeqLen = 2000000|])]
            public partial class M;
            """);

    [Fact]
    public void KG0006_HeadDimTooLarge() =>
        AssertSingle("KG0006", "Dim / Heads = 4096 / 2 = 2048 is larger than 1024", """
            [TransformerModel(Dim = 4096, Layers = 1, [|Heads = 2|], MaxSeqLen = 512)]
            public partial class M;
            """);

    [Fact]
    public void KG0010_ClassNotPartial() =>
        AssertSingle("KG0010", "'M' must be declared partial", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 512)]
            public class [|M|];
            """);

    [Fact]
    public void KG0011_NestedClass() =>
        AssertSingle("KG0011", "'M' is nested inside 'Outer'", """
            public partial class Outer
            {
                [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 512)]
                public partial class [|M|];
            }
            """);

    [Fact]
    public void KG0012_GenericClass() =>
        AssertSingle("KG0012", "'M' has type parameters", """
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 512)]
            public partial class M[|<T>|];
            """);

    [Fact]
    public void KG0900_UnspecializedShape_IsInfoAndStillCompiles()
    {
        AssertSingle("KG0900", "head_dim 512 is larger than 256", """
            [[|TransformerModel(Dim = 1024, Layers = 1, Heads = 2, MaxSeqLen = 64)|]]
            public partial class M;
            """, DiagnosticSeverity.Info);
    }

    [Fact]
    public void SeveralBrokenRules_AreAllReported()
    {
        var diagnostics = GeneratorHarness.Diagnostics("""
            using KernelGen;
            [TransformerModel(Dim = 65, Layers = -1, Heads = 8, KvHeads = 3, MaxSeqLen = 512)]
            public partial class M;
            """);
        Assert.Equal(new[] { "KG0001", "KG0002", "KG0003" }, diagnostics.Select(d => d.Id).OrderBy(id => id));
    }

    [Fact]
    public void ValidShape_HasNoDiagnostics() =>
        Assert.Empty(GeneratorHarness.Diagnostics("""
            using KernelGen;
            [TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512)]
            public partial class M;
            """));

    private static void AssertSingle(string id, string messagePart, string markedSource, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        string source = "using KernelGen;\n" + markedSource;
        int start = source.IndexOf("[|", System.StringComparison.Ordinal);
        int end = source.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        source = source.Replace("[|", "").Replace("|]", "");

        var diagnostic = Assert.Single(GeneratorHarness.Diagnostics(source));
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Contains(messagePart, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
        Assert.Equal("Model0.cs", diagnostic.Location.GetLineSpan().Path);
    }
}
