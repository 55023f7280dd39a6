using KernelGen.Kernels;
using KernelGen.Runtime.Tests.Models;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// A sliding-window layer keeps a ring of its window (plus sinks): memory does not grow with the
/// sequence, positions stay absolute, and a model whose every layer is windowed decodes past
/// MaxSeqLen without reallocating.
/// </summary>
[Trait("Category", "Simd")]
public class RollingCacheTests
{
    [Theory]
    [InlineData("generated")]
    [InlineData("generic")]
    public void LongDecode_PastMaxSeqLen_EqualsReference_WithAConstantCache(string kind)
    {
        var generated = RollingSinks.CreateKernels();
        var kernels = kind == "generated" ? generated : new GenericAttention(generated.Shape, generated.LayerPatterns);
        var run = new AttentionAgreement(kernels, seed: 9);
        long bytes = run.Cache.Bytes;

        // 4 sinks + a 48-key window + the prefill slack, per layer and KV head: nothing else.
        int slots = 4 + 48 + AttentionKernels.RollingPrefillSlack;
        Assert.Equal(2L * 2 * 2 * slots * 8 * sizeof(float), bytes);
        Assert.Equal(slots, run.Cache.Layout(0).Capacity);

        run.Prefill(100);
        for (int i = 0; i < 700; i++)
        {
            run.Decode();
        }

        run.Prefill(150);   // longer than the ring's slack: written and attended a chunk at a time
        run.Decode();

        Assert.Equal(951, run.Cache.Length(0));
        Assert.True(run.Cache.Length(0) > generated.Shape.MaxSeqLen);
        Assert.Equal(bytes, run.Cache.Bytes);
    }
}
