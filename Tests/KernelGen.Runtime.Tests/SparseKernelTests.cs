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
