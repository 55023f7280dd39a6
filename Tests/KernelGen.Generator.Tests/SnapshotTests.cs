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
}
