using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>The generator is incremental: an edit that does not change a model's shape reruns nothing.</summary>
public class IncrementalTests
{
    private const string Model = """
        using KernelGen;
        namespace Samples;
        [TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, MaxSeqLen = 512)]
        public partial class Stories260K;
        """;

    [Fact]
    public void UnrelatedEdit_LeavesEveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compilation(Model, "namespace Samples; public class Other { }");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("namespace Samples; public class Other { public int Added; }", GeneratorHarness.ParseOptions, path: "Model1.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in GeneratorHarness.TrackingNamesOfAllSteps)
        {
            var outputs = second.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {step} was {o.Reason}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditInsideTheModelClassFile_ThatKeepsTheShape_StopsAtTheSpec()
    {
        var compilation = GeneratorHarness.Compilation(Model);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);

        // Same shape, different trivia: the parser reruns, but its result is equal, so planning and emitting do not.
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Model + "\n// a comment\n", GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(second.TrackedSteps[TrackingNames.Parse].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void ChangedShape_ReplansAndReemits()
    {
        var compilation = GeneratorHarness.Compilation(Model);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Model.Replace("KvHeads = 4", "KvHeads = 1"), GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("MQA", GeneratorHarness.ModelFiles(second).Single().SourceText.ToString());
    }

    [Fact]
    public void EditToAnUnrelatedAdditionalFile_LeavesPlansCached()
    {
        const string layoutModel = """
            using KernelGen;
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 128)]
            [SparseAttention(SparsePattern.Layout, LayoutFile = "a.layout")]
            public partial class M;
            """;
        var layout = new GeneratorHarness.InMemoryFile("/p/a.layout", "block 64\n10\n11\n");
        var notes = new GeneratorHarness.InMemoryFile("/p/notes.txt", "one");
        var compilation = GeneratorHarness.Compilation(layoutModel);
        var driver = GeneratorHarness.Driver(layout, notes).RunGenerators(compilation);

        driver = driver.ReplaceAdditionalText(notes, new GeneratorHarness.InMemoryFile("/p/notes.txt", "two"));
        var second = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.All(second.TrackedSteps[TrackingNames.Resolve].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void MovingTheAttributes_LeavesTheSpecUnchangedAndPlansCached()
    {
        const string layoutModel = """
            using KernelGen;
            [TransformerModel(Dim = 64, Layers = 1, Heads = 8, MaxSeqLen = 128)]
            [SparseAttention(SparsePattern.Layout, LayoutFile = "a.layout", BlockSize = 64)]
            public partial class M;
            """;
        var layout = new GeneratorHarness.InMemoryFile("/p/a.layout", "block 64\n10\n11\n");
        var compilation = GeneratorHarness.Compilation(layoutModel);
        var driver = GeneratorHarness.Driver(layout).RunGenerators(compilation);

        // Same attributes, three lines further down: every location changes, nothing that is emitted does.
        var moved = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText("\n\n\n" + layoutModel, GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var second = driver.RunGenerators(moved).GetRunResult().Results.Single();

        Assert.All(second.TrackedSteps[TrackingNames.Specs].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EveryTrackingName_IsFoundByReflection()
    {
        Assert.Equal(
            new[] { TrackingNames.Parse, TrackingNames.LayoutFiles, TrackingNames.Resolve, TrackingNames.Diagnostics, TrackingNames.Specs, TrackingNames.Plan, TrackingNames.Microkernels },
            GeneratorHarness.TrackingNamesOfAllSteps);
    }

    [Fact]
    public void NoStepOutputHoldsSymbolsSyntaxOrCompilations()
    {
        var compilation = GeneratorHarness.Compilation(Model, """
            using KernelGen;
            [TransformerModel(Dim = 65, Layers = 1, Heads = 8, MaxSeqLen = 512)]
            public partial class Broken;
            """);
        var result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();

        foreach (string step in GeneratorHarness.TrackingNamesOfAllSteps)
        {
            var runs = result.TrackedSteps[step];
            foreach (var (value, _) in runs.SelectMany(r => r.Outputs))
            {
                AssertHoldsNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertHoldsNoRoslynObjects(object? node, string path, HashSet<object> visited)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !visited.Add(node))
        {
            return;
        }

        Assert.False(node is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree,
            $"{path} holds a {node.GetType().Name}");

        // Diagnostic descriptors are immutable, shared values; they are allowed.
        if (node is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan)
        {
            return;
        }

        if (node is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items)
            {
                AssertHoldsNoRoslynObjects(item, $"{path}[{i++}]", visited);
            }
        }

        foreach (var field in node.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertHoldsNoRoslynObjects(field.GetValue(node), path + "." + field.Name, visited);
        }
    }
}
