using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Kernels.Engine;
using KernelGen.Patterns;
using KernelGen.Tests;
using KernelGen.Threading;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Query-aware block selection (Quest): the cache's key bounds are the stored keys' per-channel
/// minimum and maximum (outward for int8) and cost ≤ 7% of the cache; the kernels' bounded-heap
/// selection is the reference's sort-everything selection; a budget covering every key is dense
/// attention; a block planted along the query is always chosen; MHA, GQA and MQA, every cache
/// format, serial and split between workers, agree with the reference.
/// </summary>
[Trait("Category", "Simd")]
public class QueryAwareTests
{
    private static readonly string[] Shapes = { "mha", "gqa", "mqa" };

    public static IEnumerable<object[]> ShapesAndFormats() =>
        from shape in Shapes
        from format in new[] { KvCacheFormat.Float32, KvCacheFormat.BFloat16, KvCacheFormat.Float16, KvCacheFormat.Int8 }
        select new object[] { shape, format };

    [Theory]
    [MemberData(nameof(ShapesAndFormats))]
    public void KeyBounds_AreTheStoredKeysChannelMinimumAndMaximum(string shape, KvCacheFormat format)
    {
        var kernels = Generic(shape, AttentionPattern.QueryAware(16, 96, 3, 32));
        var cache = kernels.CreateCache(format: format);
        var random = new Random(1);
        Prefill(kernels, cache, random, 0, 37);
        for (int position = 37; position < 70; position++)
        {
            Decode(kernels, cache, random, position);
        }

        // Rewriting positions already held (a block half old, half new) leaves no old key in the bounds.
        Prefill(kernels, cache, random, 60, 10);

        int d = cache.HeadDim;
        var key = new float[d];
        var minimum = new float[d];
        var maximum = new float[d];
        for (int kvHead = 0; kvHead < cache.KvHeads; kvHead++)
        {
            for (int block = 0; block * 16 < 70; block++)
            {
                cache.ReadKeyBounds(0, kvHead, block, minimum, maximum);
                var lowest = Enumerable.Repeat(float.PositiveInfinity, d).ToArray();
                var highest = Enumerable.Repeat(float.NegativeInfinity, d).ToArray();
                for (int position = block * 16; position < Math.Min(70, block * 16 + 16); position++)
                {
                    cache.ReadKey(0, kvHead, position, key);
                    for (int c = 0; c < d; c++)
                    {
                        lowest[c] = Math.Min(lowest[c], key[c]);
                        highest[c] = Math.Max(highest[c], key[c]);
                    }
                }

                for (int c = 0; c < d; c++)
                {
                    if (format == KvCacheFormat.Int8)
                    {
                        // Outward: still bounds, at most two int8 steps (max|x| / 126 each) wider.
                        float step = 2.5f / 126;
                        Assert.InRange(minimum[c], lowest[c] - step, lowest[c]);
                        Assert.InRange(maximum[c], highest[c], highest[c] + step);
                    }
                    else
                    {
                        Assert.Equal(lowest[c], minimum[c]);
                        Assert.Equal(highest[c], maximum[c]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(KvCacheFormat.Float32, 0.0625)]
    [InlineData(KvCacheFormat.BFloat16, 0.0625)]
    [InlineData(KvCacheFormat.Float16, 0.0625)]
    [InlineData(KvCacheFormat.Int8, 0.0625)]
    public void KeyBounds_CostAtMostSevenPercentOfTheCache_AtBlock16(KvCacheFormat format, double expected)
    {
        // Layer 0 selects by query, layer 1 is dense: only layer 0 keeps bounds.
        var shape = new ModelShape(1024, 2, 8, 2, 4096);
        var kernels = new GenericAttention(shape, new[] { AttentionPattern.QueryAware(16, 1024, 4, 64), AttentionPattern.Dense });
        var cache = kernels.CreateCache(format: format);
        double share = (double)cache.KeyBoundsBytes / (cache.Bytes / 2);
        Assert.InRange(share, expected - 0.001, expected + 0.001);
        Assert.True(share <= 0.07, $"{format}: the bounds cost {share:P2} of the layer's cache");
        Assert.Equal(0, new GenericAttention(shape).CreateCache(format: format).KeyBoundsBytes);
    }

    [Theory]
    [MemberData(nameof(ShapesAndFormats))]
    public void KernelSelection_IsTheReferenceSelection(string shape, KvCacheFormat format)
    {
        var pattern = AttentionPattern.QueryAware(8, 4 + 16 + 5 * 8, 4, 16);
        var kernels = Generic(shape, pattern);
        var modelShape = kernels.Shape;
        var engine = new AttentionEngine(modelShape, 8, 4);
        var cache = kernels.CreateCache(format: format);
        var random = new Random(2);
        var selection = QueryAwareSelection.Of(pattern);
        var chosen = new int[modelShape.MaxSeqLen];
        int checkedSets = 0;
        for (int position = 0; position < 250; position++)
        {
            Decode(kernels, cache, random, position);
            var query = Fill(random, modelShape.Dim);
            for (int kvHead = 0; kvHead < modelShape.KvHeads; kvHead++)
            {
                int count = SelectBlocks(engine, format, selection, cache, kvHead, position, query, chosen);
                var expected = QueryAwareReference.SelectBlocks(pattern, cache, 0, kvHead, modelShape.GroupSize, position, query);
                Assert.Equal(expected, chosen.Take(count).ToArray());
                Assert.Equal(Math.Min(5, selection.Candidates(position)), count);
                checkedSets += count == 5 ? 1 : 0;
            }
        }

        Assert.True(checkedSets > 100, "most positions should have more candidates than the budget");
    }

    [Fact]
    public void TopBlocks_BreaksTiesTowardTheLowerBlock()
    {
        var heapBounds = new float[8];
        var blocks = new int[8];
        float[] bounds = { 1, 3, 2, 3, 3, 0, 2, 3 };
        int count = AttentionEngine.TopBlocks(bounds, 3, heapBounds, blocks);
        Assert.Equal(new[] { 1, 3, 4 }, blocks.Take(count).OrderBy(b => b).ToArray());
        count = AttentionEngine.TopBlocks(bounds, 6, heapBounds, blocks);
        Assert.Equal(new[] { 1, 2, 3, 4, 6, 7 }, blocks.Take(count).OrderBy(b => b).ToArray());
        Assert.Equal(8, AttentionEngine.TopBlocks(bounds, 20, heapBounds, blocks));
    }

    [Theory]
    [MemberData(nameof(ShapesAndFormats))]
    public void Generic_EqualsReference_PrefillThenDecode(string shape, KvCacheFormat format)
    {
        // Selection active from position 4 + 32 + 16 on; positions below the window are dense.
        var run = new AttentionAgreement(Generic(shape, AttentionPattern.QueryAware(16, 4 + 32 + 3 * 16, 4, 32)), seed: 3, format: format);
        run.Prefill(45);
        for (int i = 0; i < 200; i++)
        {
            run.Decode();
        }
    }

    [Theory]
    [InlineData("mha")]
    [InlineData("gqa")]
    [InlineData("mqa")]
    public void BudgetCoveringEveryKey_IsDenseAttention(string shape)
    {
        var kernels = Generic(shape, AttentionPattern.QueryAware(16, 300, 4, 32));
        var dense = new ReferenceAttention(kernels.Shape);
        var cache = kernels.CreateCache();
        var denseCache = dense.CreateCache();
        var random = new Random(4);
        var modelShape = kernels.Shape;
        var output = new float[modelShape.Dim];
        var expected = new float[modelShape.Dim];

        // To position 259 every candidate block fits the 16 the budget leaves (blocks 0..14 meet [4, 228)).
        for (int position = 0; position < 260; position++)
        {
            var (q, k, v) = (Fill(random, modelShape.Dim), Fill(random, modelShape.KvDim), Fill(random, modelShape.KvDim));
            kernels.Decode(cache, 0, position, q, k, v, output);
            dense.Decode(denseCache, 0, position, q, k, v, expected);
            Assert.True(RelativeError(expected, output) <= 1e-5, $"position {position}: {RelativeError(expected, output):E2}");
        }
    }

    [Theory]
    [MemberData(nameof(ShapesAndFormats))]
    public void PlantedBlockAlongTheQuery_IsAlwaysChosen_AndOutputIsDense(string shape, KvCacheFormat format)
    {
        var pattern = AttentionPattern.QueryAware(16, 4 + 32 + 2 * 16, 4, 32);
        var modelShape = Generic(shape, pattern).Shape;
        var selection = QueryAwareSelection.Of(pattern);
        var engine = new AttentionEngine(modelShape, 8, 4);
        var chosen = new int[modelShape.MaxSeqLen];
        for (int trial = 0; trial < 6; trial++)
        {
            var random = new Random(100 + trial);
            var kernels = Generic(shape, pattern);
            var dense = new ReferenceAttention(modelShape);
            var cache = kernels.CreateCache(format: format);
            var denseCache = dense.CreateCache(format: format);
            int d = modelShape.HeadDim, length = 250 + 9 * trial;
            int needle = 1 + random.Next((length - 64) / 16); // a block between the sinks and the window

            // One direction for every head of a group, so the needle serves all of them.
            var direction = Fill(random, d);
            var query = new float[modelShape.Dim];
            for (int h = 0; h < modelShape.Heads; h++)
            {
                for (int c = 0; c < d; c++)
                {
                    query[h * d + c] = direction[c] + 0.05f * (float)(random.NextDouble() - 0.5);
                }
            }

            var keys = new float[length * modelShape.KvDim];
            var values = Fill(random, length * modelShape.KvDim);
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = (float)(random.NextDouble() - 0.5);
            }

            for (int position = needle * 16; position < needle * 16 + 16; position++)
            {
                for (int kvHead = 0; kvHead < modelShape.KvHeads; kvHead++)
                {
                    for (int c = 0; c < d; c++)
                    {
                        keys[position * modelShape.KvDim + kvHead * d + c] = 8 * direction[c];
                    }
                }
            }

            var output = new float[modelShape.Dim];
            var expected = new float[modelShape.Dim];
            var scratch = new float[(length - 1) * modelShape.Dim];
            kernels.Prefill(cache, 0, 0, length - 1, new float[(length - 1) * modelShape.Dim], keys.AsSpan(0, (length - 1) * modelShape.KvDim), values.AsSpan(0, (length - 1) * modelShape.KvDim), scratch);
            dense.Prefill(denseCache, 0, 0, length - 1, new float[(length - 1) * modelShape.Dim], keys.AsSpan(0, (length - 1) * modelShape.KvDim), values.AsSpan(0, (length - 1) * modelShape.KvDim), scratch);
            var last = keys.AsSpan((length - 1) * modelShape.KvDim);
            var lastValue = values.AsSpan((length - 1) * modelShape.KvDim);
            kernels.Decode(cache, 0, length - 1, query, last, lastValue, output);
            dense.Decode(denseCache, 0, length - 1, query, last, lastValue, expected);

            for (int kvHead = 0; kvHead < modelShape.KvHeads; kvHead++)
            {
                int count = SelectBlocks(engine, format, selection, cache, kvHead, length - 1, query, chosen);
                Assert.Equal(2, count);
                Assert.Contains(needle, chosen.Take(count));
            }

            double error = expected.Zip(output, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(error <= 1e-3, $"trial {trial}, needle block {needle}: output differs from dense by {error:E2}");
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(2)]
    [InlineData(1)]
    public void OnThreeWorkers_EqualsReference(int kvHeads)
    {
        // Bounds (233 candidates x 16 heads x 128) and attention (512 keys) both pass the parallel
        // threshold; 16 KV heads share out by head, 2 and 1 split each head's keys between workers.
        var shape = new ModelShape(2048, 1, 16, kvHeads, 1024);
        var pattern = AttentionPattern.QueryAware(4, 512, 4, 64);
        AttentionKernels kernels;
        using (WorkerPool.UseForNewKernels(new WorkerPool(3)))
        {
            kernels = new GenericAttention(shape, new[] { pattern });
        }

        var reference = new ReferenceAttention(shape, new[] { pattern });
        var cache = kernels.CreateCache();
        var referenceCache = reference.CreateCache();
        var random = new Random(9);
        var (keys, values) = (Fill(random, 1000 * shape.KvDim), Fill(random, 1000 * shape.KvDim));
        cache.Write(0, 0, 1000, keys, values);
        referenceCache.Write(0, 0, 1000, keys, values);
        var output = new float[shape.Dim];
        var expected = new float[shape.Dim];
        for (int position = 1000; position < 1004; position++)
        {
            var (q, k, v) = (Fill(random, shape.Dim), Fill(random, shape.KvDim), Fill(random, shape.KvDim));
            kernels.Decode(cache, 0, position, q, k, v, output);
            reference.Decode(referenceCache, 0, position, q, k, v, expected);
            Assert.True(RelativeError(expected, output) <= 1e-5, $"position {position}: {RelativeError(expected, output):E2}");
        }

        // The parallel path's jobs are made once per thread: later steps allocate nothing.
        var (q1, k1, v1) = (Fill(random, shape.Dim), Fill(random, shape.KvDim), Fill(random, shape.KvDim));
        long Step(int position)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            kernels.Decode(cache, 0, position, q1, k1, v1, output);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, Math.Min(Step(1004), Step(1005)));
    }

    [Fact]
    public void Decode_AllocatesNothing()
    {
        var kernels = Generic("gqa", AttentionPattern.QueryAware(16, 4 + 32 + 3 * 16, 4, 32));
        var shape = kernels.Shape;
        var cache = kernels.CreateCache();
        var q = Fill(new Random(5), shape.Dim);
        var kv = Fill(new Random(6), shape.KvDim);
        var output = new float[shape.Dim];
        void Run()
        {
            cache.Reset();
            for (int position = 0; position < 280; position++)
            {
                kernels.Decode(cache, 0, position, q, kv, kv, output);
            }
        }

        Run();
        Assert.Equal(0, Allocations.Fewest(Run, attempts: 2));
    }

    [Fact]
    public void CacheWithoutKeyBounds_IsRefused()
    {
        var kernels = Generic("gqa", AttentionPattern.QueryAware(16, 96, 4, 32));
        var plain = new KvCache(kernels.Shape.KvHeads, kernels.Shape.HeadDim, new[] { KvCacheLayout.Dense(300), KvCacheLayout.Dense(300) });
        var shape = kernels.Shape;
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.Decode(plain, 0, 0, new float[shape.Dim], new float[shape.KvDim], new float[shape.KvDim], new float[shape.Dim]));
        Assert.Contains("no key bounds", error.Message);
    }

    [Theory]
    [InlineData(16, 2048, 4, 60, "KG0034")]
    [InlineData(16, 60, 4, 48, "KG0033")]
    [InlineData(0, 2048, 4, 64, "KG0020")]
    [InlineData(16, 0, 4, 64, "KG0020")]
    [InlineData(16, 2048, -1, 64, "KG0020")]
    [InlineData(16, 2048, 4, 0, "KG0020")]
    public void ImpossibleParameters_AreRefusedNamingTheRule(int block, int budget, int sinks, int window, string id)
    {
        var error = Assert.Throws<ArgumentException>(() => AttentionPattern.QueryAware(block, budget, sinks, window));
        Assert.Contains(id, error.Message);
    }

    [Fact]
    public void BudgetLongerThanTheContext_IsRefusedWhenThePatternMeetsTheModel()
    {
        var error = Assert.Throws<ArgumentException>(() => Generic("gqa", AttentionPattern.QueryAware(16, 400, 4, 32)));
        Assert.Contains("KG0021", error.Message);
        Assert.Contains("TokenBudget", error.Message);
    }

    private static int SelectBlocks(AttentionEngine engine, KvCacheFormat format, in QueryAwareSelection selection, KvCache cache, int kvHead, int position, float[] query, int[] chosen) => format switch
    {
        KvCacheFormat.Float32 => engine.SelectBlocks<KvFloat32>(selection, cache, 0, kvHead, position, query, chosen),
        KvCacheFormat.BFloat16 => engine.SelectBlocks<KvBFloat16>(selection, cache, 0, kvHead, position, query, chosen),
        KvCacheFormat.Float16 => engine.SelectBlocks<KvFloat16>(selection, cache, 0, kvHead, position, query, chosen),
        _ => engine.SelectBlocks<KvInt8>(selection, cache, 0, kvHead, position, query, chosen),
    };

    private static GenericAttention Generic(string shape, AttentionPattern pattern)
    {
        var modelShape = shape switch
        {
            "mha" => new ModelShape(64, 2, 8, 8, 300),
            "gqa" => new ModelShape(320, 2, 8, 2, 300),
            _ => new ModelShape(512, 2, 8, 1, 300),
        };

        return new GenericAttention(modelShape, new[] { pattern, AttentionPattern.Dense });
    }

    private static void Prefill(AttentionKernels kernels, KvCache cache, Random random, int start, int count)
    {
        var shape = kernels.Shape;
        kernels.Prefill(cache, 0, start, count, Fill(random, count * shape.Dim), Fill(random, count * shape.KvDim), Fill(random, count * shape.KvDim), new float[count * shape.Dim]);
    }

    private static void Decode(AttentionKernels kernels, KvCache cache, Random random, int position)
    {
        var shape = kernels.Shape;
        kernels.Decode(cache, 0, position, Fill(random, shape.Dim), Fill(random, shape.KvDim), Fill(random, shape.KvDim), new float[shape.Dim]);
    }

    private static float[] Fill(Random random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)(random.NextDouble() * 4 - 2);
        }

        return values;
    }

    private static double RelativeError(float[] expected, float[] actual)
    {
        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }

        return error / Math.Max(scale, 1e-30);
    }
}
