using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary><c>[TransformerModel(KvCache = ...)]</c>: what it emits, what it rejects, and that it is part of the spec.</summary>
public class KvCacheFormatTests
{
    private const string Model = """
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 4096, Layers = 32, Heads = 32, KvHeads = 8, MaxSeqLen = 32768, KvCache = KvCacheFormat.BFloat16)]
        public partial class Bf16Gqa;
        """;

    [Fact]
    public void BFloat16Cache_Snapshot() => Snapshot.Match("Gqa_HeadDim128_BFloat16Cache", GeneratorHarness.GeneratedSource(Model));

    [Fact]
    public void CompressedFormats_CompileWarningFree_AndNameTheFormat()
    {
        foreach (var format in new[] { "BFloat16", "Float16", "Int8" })
        {
            var (result, output) = GeneratorHarness.Run(Model.Replace("BFloat16", format));
            Assert.Empty(result.Diagnostics);
            Assert.Empty(GeneratorHarness.CompilationProblems(output));
            string text = GeneratorHarness.ModelFiles(result).Single().SourceText.ToString();
            Assert.Contains("//   kv cache   " + format + " (CreateCache's default)", text);
            Assert.Contains(".LayerPatterns, global::KernelGen.KvCacheFormat." + format + ")", text);
        }
    }

    [Fact]
    public void Float32_LeavesTheEmittedModelAsItWas()
    {
        string implicitF32 = GeneratorHarness.GeneratedSource(Model.Replace(", KvCache = KvCacheFormat.BFloat16", ""));
        string explicitF32 = GeneratorHarness.GeneratedSource(Model.Replace("BFloat16", "Float32"));
        Assert.Equal(implicitF32, explicitF32);
        Assert.DoesNotContain("kv cache", implicitF32);
    }

    [Fact]
    public void GenericFallback_GetsTheFormatToo()
    {
        string text = GeneratorHarness.GeneratedSource("""
            using KernelGen;
            [TransformerModel(Dim = 1024, Layers = 1, Heads = 2, MaxSeqLen = 128, KvCache = KvCacheFormat.Int8)]
            public partial class WideHeads;
            """);
        Assert.Contains("new global::KernelGen.Kernels.GenericAttention(Shape, LayerPatterns, global::KernelGen.KvCacheFormat.Int8)", text);
    }

    [Fact]
    public void KG0013_UnknownFormat_PointsAtTheArgument()
    {
        string source = """
            using KernelGen;
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 512, KvCache = (KvCacheFormat)7)]
            public partial class M;
            """;
        var diagnostic = Assert.Single(GeneratorHarness.Diagnostics(source));
        Assert.Equal("KG0013", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains("KvCache = 7 is not a KvCacheFormat", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        int start = source.IndexOf("KvCache =", System.StringComparison.Ordinal);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
    }

    [Fact]
    public void ChangedFormat_ReplansAndReemits()
    {
        var compilation = GeneratorHarness.Compilation(Model);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Model.Replace("BFloat16", "Int8"), GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("KvCacheFormat.Int8", GeneratorHarness.ModelFiles(second).Single().SourceText.ToString());
    }
}
