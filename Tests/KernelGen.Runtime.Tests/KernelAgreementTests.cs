using System.Collections.Generic;
using System.Linq;
using KernelGen.Kernels;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Generated and generic kernels equal the reference within 1e-5 relative error, for MHA, GQA and
/// MQA at every tested head_dim, at every context length from 1 to 300.
/// </summary>
[Trait("Category", "Simd")]
public class KernelAgreementTests
{
    public static IEnumerable<object[]> Cases => KernelSets.ModelsAndKinds();

    public static IEnumerable<object[]> AlgorithmCases =>
        from pair in KernelSets.ModelsAndKinds()
        from algorithm in new[] { "RowDot", "PackedGemm" }
        select new object[] { pair[0], pair[1], algorithm };

    /// <summary>
    /// Each algorithm forced on every shape, whatever the cost model would choose there: prompt
    /// blocks and decode lengths that are multiples of no tile (6 rows, 4 or 2 vectors, 64 keys).
    /// </summary>
    [Theory]
    [MemberData(nameof(AlgorithmCases))]
    public void EachAlgorithm_EqualsReference(string model, string kind, string algorithm)
    {
        var run = new AttentionAgreement(KernelSets.Force(KernelSets.Create(model, kind), algorithm), seed: 5);
        foreach (int block in new[] { 1, 5, 63, 71 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 70; i++)
        {
            run.Decode();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodeOnly_EveryContextLength1To300(string model, string kind)
    {
        var run = new AttentionAgreement(KernelSets.Create(model, kind), seed: 1);
        for (int position = 0; position < 300; position++)
        {
            run.Decode();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PrefillBlocksOfSeveralSizes_ThenDecode(string model, string kind)
    {
        var run = new AttentionAgreement(KernelSets.Create(model, kind), seed: 2);
        foreach (int block in new[] { 1, 7, 33, 64, 100 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 50; i++)
        {
            run.Decode();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneLongPrefill(string model, string kind)
    {
        var run = new AttentionAgreement(KernelSets.Create(model, kind), seed: 3);
        run.Prefill(300);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodeThenPrefill_TilesStartMidSequence(string model, string kind)
    {
        var run = new AttentionAgreement(KernelSets.Create(model, kind), seed: 4);
        for (int i = 0; i < 13; i++)
        {
            run.Decode();
        }

        run.Prefill(95);
        run.Prefill(2);
        run.Decode();
    }
}
