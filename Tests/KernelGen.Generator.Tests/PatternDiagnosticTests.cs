using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>One test per pattern and layout-file diagnostic: ID, severity, message and location.</summary>
public partial class PatternDiagnosticTests
{
    private const string Model = "[TransformerModel(Dim = 64, Layers = 4, Heads = 8, KvHeads = 2, MaxSeqLen = 256)]";

    [Fact]
    public void KG0020_MissingWindow_PointsAtTheAttribute() =>
        AssertSingle("KG0020", "the SlidingWindow pattern needs a positive Window, but it is 0", """
            [[|SparseAttention(SparsePattern.SlidingWindow)|]]
            """);

    [Fact]
    public void KG0020_NegativeStride() =>
        AssertSingle("KG0020", "needs a positive Stride, but it is -4", """
            [SparseAttention(SparsePattern.Strided, [|Stride = -4|])]
            """);

    [Fact]
    public void KG0020_LayoutWithoutFile() =>
        AssertSingle("KG0020", "the Layout pattern needs LayoutFile", """
            [[|SparseAttention(SparsePattern.Layout)|]]
            """);

    [Fact]
    public void KG0021_StrideLongerThanTheContext() =>
        AssertSingle("KG0021", "Stride (300) is longer than MaxSeqLen (256)", """
            [SparseAttention(SparsePattern.Strided, [|Stride = 300|])]
            """);

    [Fact]
    public void KG0020_QueryAwareWithoutBlockSize() =>
        AssertSingle("KG0020", "the QueryAware pattern needs a positive BlockSize, but it is 0", """
            [[|SparseAttention(SparsePattern.QueryAware, TokenBudget = 128, GlobalTokens = 4, Window = 32)|]]
            """);

    [Fact]
    public void KG0020_QueryAwareNegativeSinks() =>
        AssertSingle("KG0020", "the QueryAware pattern needs GlobalTokens of 0 or more, but it is -1", """
            [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 128, [|GlobalTokens = -1|], Window = 32)]
            """);

    [Fact]
    public void KG0021_QueryAwareBudgetLongerThanTheContext() =>
        AssertSingle("KG0021", "TokenBudget (512) is longer than MaxSeqLen (256)", """
            [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, [|TokenBudget = 512|], GlobalTokens = 4, Window = 32)]
            """);

    [Fact]
    public void KG0033_QueryAwareBudgetWithoutRoomForABlock() =>
        AssertSingle("KG0033", "TokenBudget (40) leaves no room for a selected block: GlobalTokens 4 + Window 32 + one block of 16 need at least 52", """
            [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, [|TokenBudget = 40|], GlobalTokens = 4, Window = 32)]
            """);

    [Fact]
    public void KG0034_QueryAwareWindowNotWholeBlocks() =>
        AssertSingle("KG0034", "Window (40) is not a multiple of BlockSize (16): the recent keys must end where a selectable block begins; use 32 or 48", """
            [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 128, GlobalTokens = 4, [|Window = 40|])]
            """);

    [Fact]
    public void KG0025_StrideOnQueryAware_IsAWarning() =>
        AssertSingle("KG0025", "Stride does not apply to the QueryAware pattern and is ignored", """
            [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 128, GlobalTokens = 4, Window = 32, [|Stride = 8|])]
            """, DiagnosticSeverity.Warning);

    [Fact]
    public void KG0022_SummaryWiderThanItsBlock() =>
        AssertSingle("KG0022", "Summary (40) is wider than its block (BlockLength 32)", """
            [SparseAttention(SparsePattern.Fixed, BlockLength = 32, [|Summary = 40|])]
            """);

    [Fact]
    public void KG0023_LayerThatDoesNotExist() =>
        AssertSingle("KG0023", "layer 9 does not exist: the model has 4 layers (0 to 3)", """
            [SparseAttention(SparsePattern.SlidingWindow, Window = 16, [|Layers = "1,9"|])]
            """);

    [Fact]
    public void KG0023_UnreadableLayerList() =>
        AssertSingle("KG0023", "'odd' is not a layer index", """
            [SparseAttention(SparsePattern.SlidingWindow, Window = 16, [|Layers = "odd"|])]
            """);

    [Fact]
    public void KG0024_LayerWithTwoPatterns_PointsAtTheSecond() =>
        AssertSingle("KG0024", "layer 2 already has a pattern", """
            [SparseAttention(SparsePattern.SlidingWindow, Window = 16, Layers = "0-2")]
            [SparseAttention(SparsePattern.Strided, Stride = 16, [|Layers = "2,3"|])]
            """);

    [Fact]
    public void KG0025_ParameterThatDoesNotApply_IsAWarning() =>
        AssertSingle("KG0025", "Summary does not apply to the Strided pattern and is ignored", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, [|Summary = 4|])]
            """, DiagnosticSeverity.Warning);

    [Fact]
    public void KG0026_SplitHeadsWithOneHead() =>
        AssertSingle("KG0026", "the model has 1 head", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, [|SplitHeads = true|])]
            """, model: "[TransformerModel(Dim = 64, Layers = 4, Heads = 1, MaxSeqLen = 256)]");

    [Fact]
    public void KG0027_PerHeadSummaryThatDoesNotDivideTheBlock() =>
        AssertSingle("KG0027", "BlockLength must be a multiple of Summary", """
            [SparseAttention(SparsePattern.Fixed, BlockLength = 20, Summary = 3, [|PerHeadSummary = true|])]
            """);

    [Fact]
    public void KG0040_LayoutFileNotInAdditionalFiles() =>
        AssertSingle("KG0040", "layout file 'missing.layout' is not among the project's AdditionalFiles", """
            [SparseAttention(SparsePattern.Layout, [|LayoutFile = "missing.layout"|])]
            """);

    [Theory]
    [InlineData("KG0041", "block 64\n1000\n11x0\n1010\n1101\n", 3, "a matrix row holds only '0' and '1', but this one has 'x'")]
    [InlineData("KG0041", "1000\n", 1, "the file must start with 'block <size>'")]
    [InlineData("KG0041", "block sixty\n", 1, "expected 'block <positive size>'")]
    [InlineData("KG0042", "block 64\n1000\n1100\n1010\n", 4, "has 3 rows, but MaxSeqLen 256 in blocks of 64 needs 4")]
    [InlineData("KG0042", "block 64\n1000\n1100\n101\n1101\n", 4, "row 2 of the matrix has 3 blocks")]
    [InlineData("KG0043", "block 64\n1000\n1110\n1010\n1101\n", 3, "row 1 of the matrix attends key block 2, after its own")]
    [InlineData("KG0044", "block 64\n1000\n1100\n1000\n1101\n", 4, "row 2 of the matrix does not attend its own block")]
    public void LayoutFileProblems_PointAtTheLine(string id, string text, int line, string message)
    {
        var diagnostic = Assert.Single(GeneratorHarness.Diagnostics(
            "using KernelGen;\n" + Model + "\n[SparseAttention(SparsePattern.Layout, LayoutFile = \"learned.layout\")]\npublic partial class M;",
            new GeneratorHarness.InMemoryFile("/project/learned.layout", text)));
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("learned.layout line " + line.ToString(CultureInfo.InvariantCulture), diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal("/project/learned.layout", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(line - 1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void KG0045_LayoutWithTheWrongNumberOfHeads() =>
        AssertSingle("KG0045", "the layout has 2 head matrices, but the model has 8 heads", """
            [SparseAttention(SparsePattern.Layout, [|LayoutFile = "two.layout"|])]
            """, file: new GeneratorHarness.InMemoryFile("/project/two.layout", "block 64\nhead 0\n1000\n1100\n1010\n1101\nhead 1\n1000\n1100\n1010\n1101\n"));

    [Fact]
    public void KG0046_BlockSizeDiffersFromTheFile() =>
        AssertSingle("KG0046", "BlockSize (32) differs from the block size 64", """
            [SparseAttention(SparsePattern.Layout, LayoutFile = "learned.layout", [|BlockSize = 32|])]
            """, file: new GeneratorHarness.InMemoryFile("/project/learned.layout", "block 64\n1000\n1100\n1010\n1101\n"));

    [Fact]
    public void ValidPatternsOnEveryLayer_HaveNoDiagnostics() =>
        Assert.Empty(GeneratorHarness.Diagnostics("using KernelGen;\n" + Model + """

            [SparseAttention(SparsePattern.Strided, Stride = 16, Layers = "0")]
            [SparseAttention(SparsePattern.Fixed, BlockLength = 32, Summary = 4, PerHeadSummary = true, Layers = "1")]
            [SparseAttention(SparsePattern.Global, GlobalTokens = 4, Window = 64, Layers = "2")]
            [SparseAttention(SparsePattern.BigBird, BlockSize = 32, WindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 2, Seed = 5, Layers = "3")]
            public partial class M;
            """));

    private static void AssertSingle(string id, string messagePart, string markedAttributes, DiagnosticSeverity severity = DiagnosticSeverity.Error,
        string model = Model, GeneratorHarness.InMemoryFile? file = null)
    {
        string source = "using KernelGen;\n" + model + "\n" + markedAttributes + "\npublic partial class M;\n";
        int start = source.IndexOf("[|", System.StringComparison.Ordinal);
        int end = source.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        source = source.Replace("[|", "").Replace("|]", "");

        var diagnostics = file is null ? GeneratorHarness.Diagnostics(source) : GeneratorHarness.Diagnostics(source, file);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Contains(messagePart, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
        Assert.Equal("Model0.cs", diagnostic.Location.GetLineSpan().Path);
    }
}
