using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Runtime.Tests.Models;
using KernelGen.Threading;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// The two-pass decode (head_dim ≤ 16) equals the reference within <see cref="AttentionAgreement.Tolerance"/>:
/// head_dim 6, 8, 12 and 16, MHA/GQA/MQA, every context length to 300 (none a multiple of every key
/// step), chunk boundaries, split-K, every cache format, dense, windowed, strided and block patterns.
/// Each SIMD leg of .ci/run runs them again.
/// </summary>
[Trait("Category", "Simd")]
public class TwoPassDecodeTests
{
    private static readonly KvCacheFormat[] Formats = { KvCacheFormat.Float32, KvCacheFormat.BFloat16, KvCacheFormat.Float16, KvCacheFormat.Int8 };

    private static readonly Dictionary<string, Func<AttentionKernels>> Dense = new()
    {
        [nameof(MhaHeadDim8)] = MhaHeadDim8.CreateKernels,
        [nameof(GqaHeadDim8)] = GqaHeadDim8.CreateKernels,
        [nameof(MqaHeadDim8)] = MqaHeadDim8.CreateKernels,
        [nameof(MhaHeadDim16)] = MhaHeadDim16.CreateKernels,
        [nameof(GqaHeadDim16)] = GqaHeadDim16.CreateKernels,
        [nameof(MqaHeadDim16)] = MqaHeadDim16.CreateKernels,
        [nameof(GqaHeadDim12)] = GqaHeadDim12.CreateKernels,
        [nameof(MqaHeadDim6)] = MqaHeadDim6.CreateKernels,
        [nameof(MqaHeadDim8Group32)] = MqaHeadDim8Group32.CreateKernels,
    };

    private static readonly Dictionary<string, Func<AttentionKernels>> Sparse = new()
    {
        [nameof(MhaWindow)] = MhaWindow.CreateKernels,
        [nameof(GqaStridedHeadDim8)] = GqaStridedHeadDim8.CreateKernels,
        [nameof(MqaStridedHeadDim16)] = MqaStridedHeadDim16.CreateKernels,
        [nameof(GqaWindowHeadDim16)] = GqaWindowHeadDim16.CreateKernels,
        [nameof(GqaFixedHeadDim16)] = GqaFixedHeadDim16.CreateKernels,
        [nameof(GqaBigBird)] = GqaBigBird.CreateKernels,
        [nameof(GqaDeepSpeedForms)] = GqaDeepSpeedForms.CreateKernels,
        [nameof(RollingSinks)] = RollingSinks.CreateKernels,
    };

    public static IEnumerable<object[]> DenseCases() =>
        from model in Dense.Keys
        from kind in new[] { "generated", "generic" }
        from format in Formats
        select new object[] { model, kind, format };

    public static IEnumerable<object[]> SparseCases() =>
        from model in Sparse.Keys
        from kind in new[] { "generated", "generic" }
        from format in Formats
        select new object[] { model, kind, format };

    [Theory]
    [InlineData(1, true)]
    [InlineData(8, true)]
    [InlineData(16, true)]
    [InlineData(17, false)]
    [InlineData(64, false)]
    public void Rule_IsHeadDimAtMost16(int headDim, bool twoPass) =>
        Assert.Equal(twoPass, KernelSizes.UsesTwoPassDecode(headDim));

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(2, 2048)]
    [InlineData(4, 1024)]
    [InlineData(32, 128)]
    public void Chunk_FillsAPrefillTilesScores(int group, int keys)
    {
        Assert.Equal(keys, KernelSizes.TwoPassChunkKeys(group));
        Assert.True(KernelSizes.TwoPassChunkKeys(group) * group <= KernelSizes.QueryTile(group) * group * KernelSizes.KeyBlock, "a chunk's scores fit a prefill tile's score scratch");
    }

    [Fact]
    public void Kernels_SayWhichDecodeTheyTake()
    {
        Assert.Contains("two-pass decode", GqaHeadDim16.CreateKernels().Description, StringComparison.Ordinal);
        Assert.Contains("two-pass decode", new GenericAttention(GqaHeadDim8.Shape).Description, StringComparison.Ordinal);
        Assert.DoesNotContain("two-pass", GqaHeadDim40.CreateKernels().Description, StringComparison.Ordinal);
        Assert.DoesNotContain("two-pass", new GenericAttention(GqaHeadDim40.Shape).Description, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Dense_DecodeEveryLength_ThenAfterAPrefill(string model, string kind, KvCacheFormat format)
    {
        var generated = Dense[model]();
        var kernels = kind == "generated" ? generated : new GenericAttention(generated.Shape);
        var run = new AttentionAgreement(kernels, seed: 31, format: format);
        for (int i = 0; i < 150; i++)
        {
            run.Decode();
        }

        run.Prefill(61);
        for (int i = 0; i < 89; i++)
        {
            run.Decode();
        }
    }

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void Sparse_DecodeEveryLength(string model, string kind, KvCacheFormat format)
    {
        var generated = Sparse[model]();
        var kernels = kind == "generated" ? generated : new GenericAttention(generated.Shape, generated.LayerPatterns);
        var run = new AttentionAgreement(kernels, seed: 32, format: format);
        run.Prefill(3);
        for (int i = 0; i < 290; i++)
        {
            run.Decode();
        }
    }

    [Theory]
    [InlineData("generated", KvCacheFormat.Float32)]
    [InlineData("generic", KvCacheFormat.Float32)]
    [InlineData("generated", KvCacheFormat.Int8)]
    [InlineData("generic", KvCacheFormat.BFloat16)]
    public void LongMqaContext_SplitsItsKeysBetweenWorkers(string kind, KvCacheFormat format)
    {
        // 8 heads × head_dim 16 × 2091 keys passes the engine's parallel threshold; MQA has one
        // (class, KV head) pair, fewer than the 3 workers, so its keys split three ways and merge.
        Assert.True(2091L * 8 * 16 >= Kernels.Engine.AttentionEngine.ParallelThreshold);
        var pool = new WorkerPool(3);
        using (WorkerPool.UseForNewKernels(pool))
        {
            var kernels = kind == "generated" ? MqaHeadDim16Long.CreateKernels() : new GenericAttention(MqaHeadDim16Long.Shape);
            var run = new AttentionAgreement(kernels, seed: 33, format: format);
            run.Prefill(2090);
            for (int i = 0; i < 6; i++)
            {
                run.Decode();
            }
        }
    }
}
