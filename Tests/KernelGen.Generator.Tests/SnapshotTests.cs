using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>What the generator emits, for representative shapes, as reviewed C# files.</summary>
public class SnapshotTests
{
    [Fact]
    public void Gqa_HeadDim8_Stories260K() => Snapshot.Match("Gqa_HeadDim8_Stories260K", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512)]
        public partial class Stories260K;
        """));

    [Fact]
    public void Mha_HeadDim64() => Snapshot.Match("Mha_HeadDim64", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 768, Layers = 12, Heads = 12, HiddenDim = 2048, Vocab = 32000, MaxSeqLen = 4096)]
        public partial class Gpt2SizedMha;
        """));

    [Fact]
    public void Mqa_HeadDim128() => Snapshot.Match("Mqa_HeadDim128", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 4096, Layers = 32, Heads = 32, KvHeads = 1, MaxSeqLen = 32768)]
        internal partial class LargeMqa;
        """));

    [Fact]
    public void Gqa_HeadDim40_VectorRemainder() => Snapshot.Match("Gqa_HeadDim40_VectorRemainder", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        [TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 1024)]
        public partial class GlobalNamespaceModel;
        """));

    [Fact]
    public void HeadDim512_FallsBackToGenericKernels() => Snapshot.Match("HeadDim512_GenericFallback", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 1024, Layers = 1, Heads = 2, MaxSeqLen = 128)]
        public partial class WideHeads;
        """));

    [Fact]
    public void Strided_OnOddLayers_DenseOnTheOthers() => Snapshot.Match("Mqa_Strided128_OddLayers", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 512, Layers = 4, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)]
        [SparseAttention(SparsePattern.Strided, Stride = 128, Layers = "1,3")]
        public partial class LongContextModel;
        """));

    [Fact]
    public void QueryAware_OnEveryLayerButTheFirst() => Snapshot.Match("Gqa_QueryAware16Budget512", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 1024, Layers = 3, Heads = 8, KvHeads = 2, MaxSeqLen = 8192)]
        [SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 512, GlobalTokens = 4, Window = 64, Layers = "1-2")]
        public partial class QuestModel;
        """));

    [Fact]
    public void Fixed_WithPerHeadSummaries() => Snapshot.Match("Gqa_Fixed128x16PerHead", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 4096)]
        [SparseAttention(SparsePattern.Fixed, BlockLength = 128, Summary = 16, PerHeadSummary = true)]
        public partial class FixedModel;
        """));

    [Fact]
    public void Layout_FromAnAdditionalFile() => Snapshot.Match("Mha_Layout", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 256, Layers = 1, Heads = 4, MaxSeqLen = 256)]
        [SparseAttention(SparsePattern.Layout, LayoutFile = "layouts/learned.layout")]
        public partial class LearnedLayoutModel;
        """, new GeneratorHarness.InMemoryFile("/project/layouts/learned.layout", """
        # learned offline: block 64, one matrix for every head
        block 64
        1000
        1100
        1010
        1101
        """)));

    [Fact]
    public void SlidingWindowWithSinks_AndBigBird() => Snapshot.Match("Gqa_Global_BigBird", GeneratorHarness.GeneratedSource("""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 256, Layers = 2, Heads = 4, KvHeads = 2, MaxSeqLen = 512)]
        [SparseAttention(SparsePattern.Global, GlobalTokens = 4, Window = 128, Layers = "0")]
        [SparseAttention(SparsePattern.BigBird, BlockSize = 64, WindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 1, Seed = 42, Layers = "1")]
        public partial class MixedModel;
        """));
}
