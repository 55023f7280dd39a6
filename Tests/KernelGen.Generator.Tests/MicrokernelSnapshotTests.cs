using System.Linq;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>
/// The shared microkernels, one reviewed file per (head_dim, SIMD path): straight-line heads (8, 64),
/// a head with a narrower remainder vector (40), and a head walked in a loop of unrolled rounds (128).
/// </summary>
public class MicrokernelSnapshotTests
{
    [Theory]
    [InlineData(8, "Vector256")]
    [InlineData(8, "Vector128")]
    [InlineData(8, "Scalar")]
    [InlineData(40, "Vector512")]
    [InlineData(40, "Vector256")]
    [InlineData(40, "Vector128")]
    [InlineData(40, "Scalar")]
    [InlineData(64, "Vector512")]
    [InlineData(128, "Vector512")]
    [InlineData(128, "Vector256")]
    [InlineData(128, "Scalar")]
    public void Microkernels(int headDim, string path)
    {
        var files = GeneratorHarness.GeneratedMicrokernels(Model(headDim));
        string hint = $"KernelGen.Microkernels.HeadDim{headDim}.{path}.g.cs";
        Assert.True(files.ContainsKey(hint), $"no {hint} among {string.Join(", ", files.Keys)}");
        Snapshot.Match($"Microkernels_HeadDim{headDim}_{path}", files[hint]);
    }

    [Fact]
    public void ModelsWithOneHeadDim_ShareOneSetOfMicrokernels()
    {
        var (result, output) = GeneratorHarness.Run("""
            using KernelGen;
            namespace A { [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 64)] public partial class Model; }
            namespace B { [TransformerModel(Dim = 64, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 64)] public partial class Model; }
            [TransformerModel(Dim = 128, Layers = 1, Heads = 16, KvHeads = 2, MaxSeqLen = 64)] public partial class MoreHeads;
            """);

        Assert.Equal(3, GeneratorHarness.ModelFiles(result).Count);
        Assert.Equal(
            new[] { "KernelGen.Microkernels.HeadDim8.Vector256.g.cs", "KernelGen.Microkernels.HeadDim8.Vector128.g.cs", "KernelGen.Microkernels.HeadDim8.Scalar.g.cs" },
            GeneratorHarness.MicrokernelFiles(result).Select(f => f.HintName).ToArray());
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(d => d.ToString()));
    }

    private static string Model(int headDim) => $$"""
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = {{headDim * 4}}, Layers = 1, Heads = 4, MaxSeqLen = 256)]
        public partial class Model;
        """;
}
