using System.Linq;
using KernelGen.Generator.Model;
using KernelGen.Generator.Planning;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>The planner is a pure function of the spec; these pin its choices.</summary>
public class PlannerTests
{
    [Theory]
    [InlineData(8, 16, new[] { 8 })]
    [InlineData(40, 16, new[] { 16, 16, 8 })]
    [InlineData(80, 16, new[] { 16, 16, 16, 16, 16 })]
    [InlineData(96, 8, new[] { 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 })]
    [InlineData(6, 4, new[] { 4, 1, 1 })]
    [InlineData(14, 8, new[] { 8, 4, 1, 1 })]
    [InlineData(4, 1, new[] { 1, 1, 1, 1 })]
    public void Cover_SplitsHeadDimWidestFirst_WithoutRemainderLoop(int headDim, int widest, int[] expected)
    {
        var chunks = KernelPlanner.Cover(headDim, widest);
        Assert.Equal(expected, chunks.Select(c => c.Floats));
        Assert.Equal(headDim, chunks.Sum(c => c.Floats));
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => chunks.Take(i).Sum(c => c.Floats)), chunks.Select(c => c.Offset));
    }

    [Theory]
    [InlineData(8, new[] { "Vector256", "Vector128", "Scalar" })]
    [InlineData(16, new[] { "Vector512", "Vector256", "Vector128", "Scalar" })]
    [InlineData(4, new[] { "Vector128", "Scalar" })]
    [InlineData(2, new[] { "Scalar" })]
    public void Paths_AreOnlyTheWidthsThatFitAFullVector(int headDim, string[] expected)
    {
        var plan = KernelPlanner.Plan(Spec(dim: headDim * 2, heads: 2, kvHeads: 2));
        Assert.Equal(expected, plan.Paths.Select(p => p.Name));
        Assert.Equal(0, plan.Paths.Last().Bits);
    }

    [Theory]
    [InlineData(8, 2, true, "chunks of 2048 keys scored 8 keys a step")]
    [InlineData(16, 4, true, "chunks of 1024 keys scored 8 keys a step")]
    [InlineData(12, 1, true, "4 keys a step on Vector128")]
    [InlineData(6, 1, true, "key by key")]
    [InlineData(17, 1, false, "online softmax")]
    [InlineData(64, 2, false, "key blocks of 64, online softmax")]
    public void Decode_IsTwoPassForHeadDimAtMost16(int headDim, int group, bool twoPass, string described)
    {
        var spec = Spec(dim: headDim * 4 * group, heads: 4 * group, kvHeads: 4);
        Assert.Equal(twoPass, KernelPlanner.Plan(spec).TwoPassDecode);
        Assert.Contains(described, KernelPlanner.DescribeDecode(spec));
    }

    [Fact]
    public void EqualSpecs_GiveEqualPlans() =>
        Assert.Equal(KernelPlanner.Plan(Spec(64, 8, 4)), KernelPlanner.Plan(Spec(64, 8, 4)));

    private static ModelSpec Spec(int dim, int heads, int kvHeads) =>
        new("Samples", "Model", dim, 1, heads, kvHeads, 0, 0, 128, null,
            new[] { PatternSpec.Dense }.ToEquatableArray(), new[] { 0 }.ToEquatableArray());
}
