using System.Collections.Generic;
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
