using System.Collections.Generic;
using System.Linq;
using KernelGen.Kernels;
using KernelGen.Patterns;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Sparse kernels equal the reference — dense attention restricted to the pattern's definition —
/// within 1e-5, for every pattern, under MHA, GQA and MQA, in prefill and decode.
/// </summary>
[Trait("Category", "Simd")]
public class SparseKernelTests
{
    private const int Length = 300;

    public static IEnumerable<object[]> Cases() =>
        from name in PatternCases.All.Keys
        from shape in new[] { "mha-8", "gqa-40", "mqa-64" }
        select new object[] { name, shape };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generic_EqualsReference_PrefillThenDecode(string pattern, string shape)
    {
        var run = new AttentionAgreement(Generic(pattern, shape), seed: 5);
        foreach (int block in new[] { 1, 17, 64, 70 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 40; i++)
        {
            run.Decode();
        }

        run.Prefill(Length - 192);
    }

    /// <summary>
    /// One prefill longer than an MHA tile (256 positions): every tile's key blocks are seen by a range
    /// of its rows only (rows above a causal diagonal, rows past a window), and the engine computes just
    /// that range; a row left out that should not be is a wrong output here.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Generic_EqualsReference_OneLongPrefill(string pattern, string shape)
    {
        var run = new AttentionAgreement(Generic(pattern, shape), seed: 8);
        run.Prefill(Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generic_EqualsReference_DecodeOnly(string pattern, string shape)
    {
        var run = new AttentionAgreement(Generic(pattern, shape), seed: 6);
        for (int i = 0; i < Length; i++)
        {
            run.Decode();
        }
    }

    public static IEnumerable<object[]> SparseModels() =>
        from model in KernelSets.SparseModels.Keys
        from kind in new[] { "generated", "generic" }
        select new object[] { model, kind };

    [Theory]
    [MemberData(nameof(SparseModels))]
    public void CompiledSparseModel_EqualsReference_PrefillThenDecode(string model, string kind)
    {
        var run = new AttentionAgreement(CompiledModel(model, kind), seed: 7);
        foreach (int block in new[] { 1, 17, 64, 70 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 40; i++)
        {
            run.Decode();
        }

        run.Prefill(Length - 192);
    }

    [Theory]
    [MemberData(nameof(SparseModels))]
    public void CompiledSparseModel_EqualsReference_DecodeOnly(string model, string kind)
    {
        var run = new AttentionAgreement(CompiledModel(model, kind), seed: 8);
        for (int i = 0; i < Length; i++)
        {
            run.Decode();
        }
    }

    [Fact]
    public void CompiledPatterns_AreTheAttributes()
    {
        Assert.Equal(new[] { AttentionPattern.Strided(13), AttentionPattern.Strided(16, splitHeads: true) }, Models.GqaStrided.LayerPatterns);
        Assert.Equal(new[] { AttentionPattern.SlidingWindow(37), AttentionPattern.Dense }, Models.MhaWindow.LayerPatterns);
        Assert.Equal(AttentionPattern.BigBird(16, 3, 1, 2, 7), Models.GqaBigBird.LayerPatterns[1]);
        Assert.Equal(AttentionPattern.LoadLayout(System.IO.Path.Combine("Layouts", "shared.layout"), 8, Length), Models.GqaLayout.LayerPatterns[0]);
        Assert.Equal(new[] { AttentionPattern.Strided(16, splitHeads: true, localWindow: 17), AttentionPattern.Fixed(24, 4, summaryPatterns: 3) },
            Models.GqaPaperForms.LayerPatterns);
        Assert.Equal(new[]
        {
            AttentionPattern.BigBird(16, 0, 0, 1, 3, slidingWindowBlocks: 5, globalBlockIndices: "0,7", differentLayoutPerHead: true, randomAmongAllBlocks: true),
            AttentionPattern.BigBird(10, 0, 0, 0, 0, slidingWindowBlocks: 3, globalBlockIndices: "2,3,20"),
        }, Models.GqaDeepSpeedForms.LayerPatterns);
        Assert.Equal(new[] { AttentionPattern.QueryAware(16, 100, 3, 32), AttentionPattern.Dense }, Models.GqaQueryAware.LayerPatterns);
        Assert.Equal(new[] { AttentionPattern.QueryAware(8, 60, 0, 16), AttentionPattern.QueryAware(8, 60, 0, 16) }, Models.MqaQueryAware.LayerPatterns);
    }

    private static AttentionKernels CompiledModel(string model, string kind)
    {
        var generated = KernelSets.SparseModels[model]();
        return kind == "generated" ? generated : new GenericAttention(generated.Shape, generated.LayerPatterns);
    }

    private static GenericAttention Generic(string pattern, string shape)
    {
        var modelShape = shape switch
        {
            "mha-8" => new ModelShape(64, 2, 8, 8, Length),
            "gqa-40" => new ModelShape(320, 2, 8, 2, Length),
            _ => new ModelShape(512, 2, 8, 1, Length),
        };

        // Layer 0 sparse, layer 1 dense: patterns are per layer.
        return new GenericAttention(modelShape, new[] { PatternCases.All[pattern], AttentionPattern.Dense });
    }
}
