using System.Linq;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>Generated code compiles cleanly at the highest warning level, with nullable annotations on.</summary>
public class CompilationTests
{
    [Theory]
    [InlineData("Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512")]
    [InlineData("Dim = 768, Layers = 12, Heads = 12, MaxSeqLen = 4096")]
    [InlineData("Dim = 4096, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 32768")]
    [InlineData("Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300")]
    [InlineData("Dim = 96, Layers = 1, Heads = 1, MaxSeqLen = 16")]
    [InlineData("Dim = 12, Layers = 1, Heads = 2, MaxSeqLen = 16")]
    [InlineData("Dim = 1024, Layers = 1, Heads = 2, MaxSeqLen = 64")]
    public void GeneratedCode_CompilesWithoutWarnings(string arguments)
    {
        var (result, output) = GeneratorHarness.Run($$"""
            using KernelGen;
            namespace Samples;
            [TransformerModel({{arguments}})]
            public partial class Model;
            """);

        Assert.Single(GeneratorHarness.ModelFiles(result));
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(d => d.ToString()));
    }

    [Fact]
    public void TwoModelsInOneAssembly_DoNotCollide()
    {
        var (result, output) = GeneratorHarness.Run("""
            using KernelGen;
            namespace A { [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 64)] public partial class Model; }
            namespace B { [TransformerModel(Dim = 64, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 64)] public partial class Model; }
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, KvHeads = 2, MaxSeqLen = 64)] public static partial class GlobalModel;
            """);

        Assert.Equal(3, GeneratorHarness.ModelFiles(result).Count);
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(d => d.ToString()));
    }
}
