using System;
using KernelGen.Caching;
using Xunit;

namespace KernelGen.Runtime.Tests;

public class KvCacheTests
{
    [Fact]
    public void Write_StoresEachKvHeadContiguouslyByPosition()
    {
        var cache = new KvCache(layers: 1, kvHeads: 2, headDim: 2, maxSeqLen: 4);
        // Two tokens, each [kvHead 0: (a, b), kvHead 1: (c, d)].
        cache.Write(0, 0, 2, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new float[] { -1, -2, -3, -4, -5, -6, -7, -8 });

        Assert.Equal(new float[] { 1, 2, 5, 6, 0, 0, 0, 0 }, cache.Keys(0, 0).ToArray());
        Assert.Equal(new float[] { 3, 4, 7, 8, 0, 0, 0, 0 }, cache.Keys(0, 1).ToArray());
        Assert.Equal(new float[] { -3, -4, -7, -8, 0, 0, 0, 0 }, cache.Values(0, 1).ToArray());
        Assert.Equal(2, cache.Length(0));
        Assert.Equal(2L * 1 * 2 * 4 * 2 * sizeof(float), cache.Bytes);
    }

    [Fact]
    public void Write_WithAGap_IsRejected()
    {
        var cache = new KvCache(1, 1, 2, 8);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.Write(0, 3, 1, new float[2], new float[2]));
        Assert.Contains("gap", error.Message);
    }

    [Fact]
    public void Write_PastTheContext_IsRejected()
    {
        var cache = new KvCache(1, 1, 2, 4);
        cache.Write(0, 0, 3, new float[6], new float[6]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.Write(0, 3, 2, new float[4], new float[4]));
        Assert.Contains("holds 4 positions", error.Message);
    }

    [Fact]
    public void Rewriting_AnEarlierPosition_TruncatesTheSequence()
    {
        var cache = new KvCache(1, 1, 2, 8);
        cache.Write(0, 0, 5, new float[10], new float[10]);
        cache.Write(0, 2, 1, new float[2], new float[2]);
        Assert.Equal(3, cache.Length(0));
    }

    [Fact]
    public void RollingLayout_KeepsSinksAndARingOfTheWindow()
    {
        var layout = KvCacheLayout.Rolling(window: 3, sinkTokens: 2, prefillSlack: 1);
        Assert.Equal(6, layout.Capacity);
        Assert.Equal(4, layout.RingSize);
        Assert.Equal(2, layout.MaxAppend);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 2, 3, 4 }, Array.ConvertAll(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 }, layout.SlotOf));
        Assert.True(layout.Holds(0, 100));
        Assert.True(layout.Holds(97, 100));
        Assert.False(layout.Holds(96, 100));
    }

    [Fact]
    public void RollingLayout_SplitsAWrappingRunInTwo()
    {
        var layout = KvCacheLayout.Rolling(window: 3, sinkTokens: 2, prefillSlack: 1);
        var runs = new SlotRun[3];
        // Positions 0..6: sinks 0-1, ring slots 2-5 hold 2-5, then 6 wraps to slot 2.
        Assert.Equal(3, layout.ToSlotRuns(0, 7, runs));
        Assert.Equal(new SlotRun[] { new(0, 0, 2), new(2, 2, 4), new(2, 6, 1) }, runs);
        Assert.Equal(2, layout.ToSlotRuns(5, 3, runs));
        Assert.Equal(new SlotRun(5, 5, 1), runs[0]);
        Assert.Equal(new SlotRun(2, 6, 2), runs[1]);
    }
}
