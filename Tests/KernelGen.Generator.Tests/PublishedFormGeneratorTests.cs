extern alias generator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using System.Text.RegularExpressions;
using KernelGen.Generator.Model;
using KernelGen.Generator.Planning;
using KernelGen.Patterns;
using Xunit;

namespace KernelGen.Generator.Tests;

// The generator's internal copy of the enum, which PatternParameters holds; inside the namespace so
// it is found before the runtime's public KernelGen.SparsePattern.
using SparsePattern = generator::KernelGen.SparsePattern;

/// <summary>
/// The parameters that write published configurations, through parsing, planning and emission:
/// the emitted file, its head classes and block tables, and that the generated code compiles cleanly.
/// </summary>
public class PublishedFormGeneratorTests
{
    private const string Source = """
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 512, Layers = 4, Heads = 8, KvHeads = 2, MaxSeqLen = 256)]
        // The paper's split strided heads (A(1) holds l + 1 keys) and DeepSpeed's Fixed with 2 summary patterns.
        [SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, LocalWindow = 17, Layers = "0")]
        [SparseAttention(SparsePattern.Fixed, BlockLength = 64, Summary = 16, SummaryPatterns = 2, Layers = "1")]
        // BSLongformerSparsityConfig(block=32, num_sliding_window_blocks=3, global_block_indices=[0, 5]).
        [SparseAttention(SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlockIndices = "0,5", Layers = "2")]
        // BigBirdSparsityConfig(block=32, num_random_blocks=1, num_sliding_window_blocks=3, num_global_blocks=1, different_layout_per_head=True).
        [SparseAttention(SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 1, Seed = 2,
            DifferentLayoutPerHead = true, RandomAmongAllBlocks = true, Layers = "3")]
        public partial class DeepSpeedModel;
        """;

    [Fact]
    public void PublishedForms_Snapshot() =>
        Snapshot.Match("Gqa_PublishedForms", GeneratorHarness.GeneratedSource(Source));

    [Fact]
    public void PublishedForms_CompileWithoutWarnings()
    {
        var (result, output) = GeneratorHarness.Run(Source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilationProblems(output));
    }

    [Fact]
    public void PerHeadRandomTables_AreOneHeadClassAndOneTablePerHead()
    {
        var parameters = new PatternParameters
        {
            Kind = SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 1, Seed = 2,
            DifferentLayoutPerHead = true, RandomAmongAllBlocks = true,
        };
        var plan = PatternPlanner.Plan(Pattern(parameters), Spec(Pattern(parameters)), 0);
        Assert.Equal(8, plan.Classes.Count);
        Assert.Equal(8, plan.BlockRows);
        Assert.Equal(8 * 8 + 1, plan.BlockRowStarts.Count);
        Assert.Equal(new[] { 0 }, plan.HeadsOf[0 * 8 + 0]);
        Assert.Empty(plan.HeadsOf[0 * 8 + 4]);
        Assert.Equal(new[] { 5 }, plan.HeadsOf[1 * 8 + 5]);
        for (int head = 0; head < 8; head++)
        {
            var table = BigBirdBlocks.Build(8, parameters, head);
            for (int row = 0; row < 8; row++)
            {
                int r = head * 8 + row;
                Assert.Equal(table[row], plan.BlockKeys.Skip(plan.BlockRowStarts[r]).Take(plan.BlockRowStarts[r + 1] - plan.BlockRowStarts[r]));
            }
        }
    }

    [Fact]
    public void SummaryPatterns_AreTheHeadClasses()
    {
        var parameters = new PatternParameters { Kind = SparsePattern.Fixed, BlockLength = 64, Summary = 16, SummaryPatterns = 2 };
        var plan = PatternPlanner.Plan(Pattern(parameters), Spec(Pattern(parameters)), 0);
        Assert.Equal(2, plan.Classes.Count);
        Assert.Equal(new[] { 48, 32 }, plan.Classes.Select(c => c.Components.Single(x => x.Kind == ComponentKind.Columns).Offset));
        Assert.Equal(new[] { 0, 2 }, plan.HeadsOf[0]);
        Assert.Equal(new[] { 1, 3 }, plan.HeadsOf[1]);
    }

    [Fact]
    public void GlobalBlockLists_WrittenDifferently_AreOnePattern()
    {
        string source = GeneratorHarness.GeneratedSource("""
            using KernelGen;
            [TransformerModel(Dim = 64, Layers = 2, Heads = 8, MaxSeqLen = 256)]
            [SparseAttention(SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlockIndices = "0-1, 5", Layers = "0")]
            [SparseAttention(SparsePattern.BigBird, BlockSize = 32, SlidingWindowBlocks = 3, GlobalBlockIndices = "5,1,0", Layers = "1")]
            public partial class M;
            """);
        Assert.Single(Regex.Matches(source, @"private readonly struct (\w+Keys) "));
        Assert.Contains("BigBird32Sw3G0R0S0At0_1_5Keys", source);
        Assert.Contains("globalBlockIndices: \"0,1,5\"", source);
    }

    [Fact]
    public void GlobalBlockList_RewrittenAsTheSameSet_DoesNotReplan()
    {
        var compilation = GeneratorHarness.Compilation(Source);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Source.Replace("GlobalBlockIndices = \"0,5\"", "GlobalBlockIndices = \"5, 0\""), GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The parser reruns on the edited file, but the canonical list makes its result equal: nothing is planned or emitted again.
        Assert.All(second.TrackedSteps[TrackingNames.Parse].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void LongGlobalBlockLists_GiveShortStableNames()
    {
        var parameters = new PatternParameters { Kind = SparsePattern.BigBird, BlockSize = 8, SlidingWindowBlocks = 3, GlobalBlockIndices = "0,1,2,3,4,5,6,7,8,9,10,11" };
        var plan = PatternPlanner.Plan(Pattern(parameters), Spec(Pattern(parameters)), 0);
        Assert.Matches(@"^BigBird8Sw3G0R0S0At0To11N12H[0-9a-f]{8}$", plan.Name);
        Assert.Equal(plan.Name, PatternPlanner.Plan(Pattern(parameters), Spec(Pattern(parameters)), 0).Name);
    }

    private static PatternSpec Pattern(PatternParameters parameters) => PatternSpec.Dense with { Parameters = parameters };

    private static ModelSpec Spec(PatternSpec pattern) =>
        new("Samples", "Model", 512, 1, 8, 2, 0, 0, 256, null, new[] { pattern }.ToEquatableArray(), new[] { 0 }.ToEquatableArray());
}
