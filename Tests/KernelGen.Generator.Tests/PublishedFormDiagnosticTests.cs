using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>The diagnostics of the parameters that write published configurations (openai, DeepSpeed, the paper): ID, message and location.</summary>
public partial class PatternDiagnosticTests
{
    [Fact]
    public void KG0020_ZeroLocalWindow() =>
        AssertSingle("KG0020", "needs a positive LocalWindow, but it is 0", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, [|LocalWindow = 0|])]
            """);

    [Fact]
    public void KG0021_LocalWindowLongerThanTheContext() =>
        AssertSingle("KG0021", "LocalWindow (300) is longer than MaxSeqLen (256)", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, [|LocalWindow = 300|])]
            """);

    [Fact]
    public void KG0028_MergedBandWiderThanStridePlusOne() =>
        AssertSingle("KG0028", "LocalWindow (18) is wider than Stride + 1 (17)", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, [|LocalWindow = 18|])]
            """);

    [Fact]
    public void KG0020_NegativeSummaryPatterns() =>
        AssertSingle("KG0020", "needs a positive SummaryPatterns, but it is -1", """
            [SparseAttention(SparsePattern.Fixed, BlockLength = 32, Summary = 4, [|SummaryPatterns = -1|])]
            """);

    [Fact]
    public void KG0029_SummaryPatternsThatDoNotFitTheBlock() =>
        AssertSingle("KG0029", "SummaryPatterns (9) slices of Summary 4 need 36 keys, but a block (BlockLength) has 32: at most 8 patterns fit", """
            [SparseAttention(SparsePattern.Fixed, BlockLength = 32, Summary = 4, [|SummaryPatterns = 9|])]
            """);

    [Fact]
    public void KG0030_BothWindowCounts() =>
        AssertSingle("KG0030", "SlidingWindowBlocks = 5 is WindowBlocks = 3", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, WindowBlocks = 3, [|SlidingWindowBlocks = 5|])]
            """);

    [Fact]
    public void KG0020_ZeroSlidingWindowBlocks() =>
        AssertSingle("KG0020", "needs a positive SlidingWindowBlocks, but it is 0", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, [|SlidingWindowBlocks = 0|])]
            """);

    [Fact]
    public void KG0031_UnreadableGlobalBlockIndices() =>
        AssertSingle("KG0031", "GlobalBlockIndices = \"0,x\": 'x' is not a block index", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 3, [|GlobalBlockIndices = "0,x"|])]
            """);

    [Fact]
    public void KG0031_GlobalBlockBeyondTheContext() =>
        AssertSingle("KG0031", "global block 16 does not exist: MaxSeqLen 256 in blocks of 16 has blocks 0 to 15", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 3, [|GlobalBlockIndices = "0,16"|])]
            """);

    [Fact]
    public void KG0031_HugeGlobalBlockRange_IsRefusedBeforeItIsBuilt() =>
        AssertSingle("KG0031", "block 2000000 is beyond any context a KV cache supports", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 3, [|GlobalBlockIndices = "0-2000000"|])]
            """);

    [Fact]
    public void KG0031_EmptyGlobalBlockIndices() =>
        AssertSingle("KG0031", "GlobalBlockIndices is empty", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 3, [|GlobalBlockIndices = ""|])]
            """);

    [Fact]
    public void KG0032_PerHeadTablesWithoutRandomBlocks_IsAWarning() =>
        AssertSingle("KG0032", "DifferentLayoutPerHead shapes the random blocks, but RandomBlocks is 0", """
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 3, GlobalBlocks = 1, [|DifferentLayoutPerHead = true|])]
            """, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);

    [Fact]
    public void KG0025_PublishedFormOfAnotherPattern_IsAWarning() =>
        AssertSingle("KG0025", "SummaryPatterns does not apply to the Strided pattern and is ignored", """
            [SparseAttention(SparsePattern.Strided, Stride = 16, [|SummaryPatterns = 2|])]
            """, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);

    [Fact]
    public void PublishedForms_HaveNoDiagnostics() =>
        Assert.Empty(GeneratorHarness.Diagnostics("using KernelGen;\n" + Model + """

            [SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, LocalWindow = 17, Layers = "0")]
            [SparseAttention(SparsePattern.Fixed, BlockLength = 32, Summary = 4, SummaryPatterns = 2, Layers = "1")]
            [SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 5, GlobalBlockIndices = "0,10", Layers = "2")]
            [SparseAttention(SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 1, DifferentLayoutPerHead = true, RandomAmongAllBlocks = true, Layers = "3")]
            public partial class M;
            """));
}
