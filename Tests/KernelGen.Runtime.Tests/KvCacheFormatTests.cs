using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Runtime.Tests.Models;
using KernelGen.Tests;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Compressed caches through the generated and generic kernels: with the reference reading the same
/// cache format they agree within <see cref="AttentionAgreement.Tolerance"/> (the kernels widen the
/// stored numbers exactly, so only float vs double arithmetic differs), for dense, every sparse
/// pattern, rolling windows and split-K decode; the cache holds the format's bytes.
/// </summary>
[Trait("Category", "Simd")]
public class KvCacheFormatTests
{
    private static readonly KvCacheFormat[] Compressed = { KvCacheFormat.BFloat16, KvCacheFormat.Float16, KvCacheFormat.Int8 };

    /// <summary>head_dim 6 and 40 take scalar tails and narrower vectors; MQA head_dim 128 past position 256 splits its keys between workers.</summary>
    private static readonly string[] DenseModels = { nameof(GqaHeadDim8), nameof(MqaHeadDim6), nameof(MhaHeadDim40), nameof(GqaHeadDim128), nameof(MqaHeadDim128) };

    public static IEnumerable<object[]> DenseCases() =>
        from model in DenseModels
        from kind in new[] { "generated", "generic" }
        from format in Compressed
        select new object[] { model, kind, format };

    public static IEnumerable<object[]> SparseCases() =>
        from model in KernelSets.SparseModels.Keys.Append(nameof(RollingSinks))
        from kind in new[] { "generated", "generic" }
        from format in Compressed
        select new object[] { model, kind, format };

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Dense_EqualsReferenceOnTheSameFormat_PrefillAndDecode(string model, string kind, KvCacheFormat format)
    {
        var run = new AttentionAgreement(KernelSets.Create(model, kind), seed: 21, format: format);
        Assert.Equal(format, run.Cache.Format);
        foreach (int block in new[] { 1, 7, 33, 64 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 195; i++)
        {
            run.Decode();
        }
    }

    public static IEnumerable<object[]> AlgorithmCases() =>
        from model in DenseModels.Concat(KernelSets.SparseModels.Keys).Append(nameof(MqaHeadDim64x32))
        from format in Compressed.Prepend(KvCacheFormat.Float32)
        from algorithm in new[] { "RowDot", "PackedGemm" }
        select new object[] { model, format, algorithm };

    /// <summary>
    /// Each algorithm forced on every format, dense and sparse (strided keys are packed straight
    /// from their slots; int8 scales are folded into the packed tiles): equal to the reference.
    /// </summary>
    [Theory]
    [MemberData(nameof(AlgorithmCases))]
    public void EachAlgorithm_EveryFormat_EqualsReferenceOnTheSameFormat(string model, KvCacheFormat format, string algorithm)
    {
        var kernels = KernelSets.SparseModels.TryGetValue(model, out var sparse) ? sparse() : KernelSets.Create(model, "generated");
        var run = new AttentionAgreement(KernelSets.Force(kernels, algorithm), seed: 24, format: format);
        foreach (int block in new[] { 3, 64, 70 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 40; i++)
        {
            run.Decode();
        }

        run.Prefill(45);
    }

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void Sparse_EqualsReferenceOnTheSameFormat_PrefillAndDecode(string model, string kind, KvCacheFormat format)
    {
        var generated = model == nameof(RollingSinks) ? RollingSinks.CreateKernels() : KernelSets.SparseModels[model]();
        var kernels = kind == "generated" ? generated : new GenericAttention(generated.Shape, generated.LayerPatterns);
        var run = new AttentionAgreement(kernels, seed: 22, format: format);
        foreach (int block in new[] { 1, 17, 64, 70 })
        {
            run.Prefill(block);
        }

        for (int i = 0; i < 60; i++)
        {
            run.Decode();
        }

        run.Prefill(88);
    }

    [Theory]
    [InlineData(KvCacheFormat.BFloat16)]
    [InlineData(KvCacheFormat.Float16)]
    [InlineData(KvCacheFormat.Int8)]
    public void RollingWindow_PastMaxSeqLen_KeepsItsFormatsBytes(KvCacheFormat format)
    {
        var run = new AttentionAgreement(RollingSinks.CreateKernels(), seed: 23, format: format);
        int slots = 4 + 48 + AttentionKernels.RollingPrefillSlack;
        long expected = 2L /* layers */ * 2 /* KV heads */ * slots * KvCacheFormats.BytesPerPosition(format, 8);
        Assert.Equal(expected, run.Cache.Bytes);

        run.Prefill(100);
        for (int i = 0; i < 500; i++)
        {
            run.Decode();
        }

        run.Prefill(150);
        run.Decode();
        Assert.True(run.Cache.Length(0) > RollingSinks.Shape.MaxSeqLen);
        Assert.Equal(expected, run.Cache.Bytes);
    }

    [Theory]
    [InlineData(KvCacheFormat.Float32, 4)]
    [InlineData(KvCacheFormat.BFloat16, 2)]
    [InlineData(KvCacheFormat.Float16, 2)]
    [InlineData(KvCacheFormat.Int8, 1)]
    public void Cache_AllocatesTheFormatsBytes(KvCacheFormat format, int bytesPerNumber)
    {
        var kernels = GqaHeadDim128.CreateKernels();
        kernels.CreateCache(16, format);   // warm up everything but the arrays themselves

        // The fewest bytes of three creations (a CI leg once read 8 KiB over the cache, not seen again).
        KernelGen.Caching.KvCache cache = null!;
        long allocated = Allocations.Fewest(() => cache = kernels.CreateCache(320, format));

        // 2 layers x 4 KV heads x 320 positions x head_dim 128, keys and values; int8 adds a float per row for each.
        long numbers = 2L * 4 * 320 * 128 * 2;
        long scales = format == KvCacheFormat.Int8 ? 2L * 4 * 320 * 2 * sizeof(float) : 0;
        Assert.Equal(numbers * bytesPerNumber + scales, cache.Bytes);
        Assert.Equal(bytesPerNumber, cache.ElementBytes);

        // What was allocated is the cache's bytes plus array headers and bookkeeping, nothing like a float copy.
        Assert.InRange(allocated, cache.Bytes, cache.Bytes + 4096);
    }

    [Fact]
    public void CompiledFormat_IsTheDefault_AndOtherFormatsAreStillRead()
    {
        var bf16 = GqaHeadDim128BFloat16.CreateKernels();
        Assert.Equal(KvCacheFormat.BFloat16, bf16.DefaultCacheFormat);
        Assert.Equal(KvCacheFormat.BFloat16, bf16.CreateCache().Format);
        Assert.Equal(KvCacheFormat.Float32, GqaHeadDim128.CreateKernels().CreateCache().Format);

        var int8 = MqaHeadDim40Int8.CreateKernels();
        var run = new AttentionAgreement(int8, seed: 24);
        Assert.Equal(KvCacheFormat.Int8, run.Cache.Format);
        run.Prefill(90);
        for (int i = 0; i < 30; i++)
        {
            run.Decode();
        }

        var f32 = new AttentionAgreement(bf16, seed: 25, format: KvCacheFormat.Float32);
        f32.Prefill(40);
        f32.Decode();
    }

    [Fact]
    public void FloatViews_OfACompressedCache_AreRefused()
    {
        var cache = new KvCache(1, 1, 8, 4, KvCacheFormat.BFloat16);
        var error = Assert.Throws<InvalidOperationException>(() => cache.Keys(0, 0));
        Assert.Contains("BFloat16", error.Message);
        Assert.Contains("ReadKey", error.Message);
    }

    [Fact]
    public void Write_QuantizesAsItAppends_AndReadKeyGivesTheStoredNumbers()
    {
        var cache = new KvCache(1, 2, 4, 4, KvCacheFormat.Int8);
        float[] keys = { 1, -2, 0.5f, 127, /* head 1 */ 0, 0, 0, 0 };
        float[] values = { -3, 3, 1.5f, 0, /* head 1 */ 1e-3f, 2e-3f, -4e-3f, 0 };
        cache.Write(0, 0, 1, keys, values);

        var row = new float[4];
        cache.ReadKey(0, 0, 0, row);
        Assert.Equal(127f, row[3]);                 // the row's largest magnitude is exact: scale = 127 / 127
        Assert.Equal(1f, row[0]);
        Assert.Equal(-2f, row[1]);
        Assert.Equal(0f, row[2]);                   // 0.5 at scale 1 rounds to even: 0
        cache.ReadKey(0, 1, 0, row);
        Assert.Equal(new float[4], row);            // an all-zero row: scale 0, no NaN
        cache.ReadValue(0, 1, 0, row);
        Assert.Equal(-4e-3f, row[2], 6);
        Assert.Equal(2e-3f, row[1], 4);
    }
}
