using System.Collections.Generic;
using System.Linq;
using KernelGen.Patterns;
using Xunit;

namespace KernelGen.Runtime.Tests.Published;

/// <summary>
/// Each published configuration, written with KernelGen's parameters, attends exactly the mask its
/// publication defines (<see cref="PublishedMasks"/>, written independently of <c>Attends</c>);
/// first the five cases of n = 16, l = 4, 4 heads, query i = 8, then whole masks over many sizes.
/// </summary>
public class PublishedPatternTests
{
    private const int N = 16, L = 4, Heads = 4, Query = 8;

    [Fact]
    public void Case1_StridedSplit_LocalHeads_PaperA1HoldsLPlus1Keys()
    {
        var paper = AttentionPattern.Strided(L, splitHeads: true, localWindow: L + 1);
        var openAi = AttentionPattern.Strided(L, splitHeads: true);
        for (int head = 0; head < Heads / 2; head++)
        {
            Assert.Equal(new[] { 4, 5, 6, 7, 8 }, KeysOf(paper, head, Query));
            Assert.Equal(PublishedMasks.Keys(PublishedMasks.PaperStridedA1(N, L), Query), KeysOf(paper, head, Query));
            Assert.Equal(new[] { 5, 6, 7, 8 }, KeysOf(openAi, head, Query));
            Assert.Equal(PublishedMasks.Keys(PublishedMasks.OpenAiLocal(N, L), Query), KeysOf(openAi, head, Query));
        }

        for (int head = Heads / 2; head < Heads; head++)
        {
            Assert.Equal(new[] { 0, 4, 8 }, KeysOf(paper, head, Query));
            Assert.Equal(PublishedMasks.Keys(PublishedMasks.PaperStridedA2(N, L), Query), KeysOf(paper, head, Query));
            Assert.Equal(PublishedMasks.Keys(PublishedMasks.OpenAiStrided(N, L), Query), KeysOf(paper, head, Query));
        }
    }

    [Fact]
    public void Case2_FixedPerHeadSummaries_HeadTakesSliceHModP()
    {
        var published = AttentionPattern.Fixed(L, 1, summaryPatterns: 2);
        var today = AttentionPattern.Fixed(L, 1, perHeadSummary: true);
        Assert.Equal(new[] { 3, 7, 8 }, KeysOf(published, 2, Query));
        Assert.Equal(new[] { 1, 5, 8 }, KeysOf(today, 2, Query));

        // DeepSpeed FixedSparsityConfig(block=1, num_local_blocks=4, num_global_blocks=1,
        // num_different_global_patterns=2, different_layout_per_head=True, attention='unidirectional').
        var deepSpeed = PublishedMasks.DeepSpeedFixed(Heads, N, 4, 1, 2, differentLayoutPerHead: true);
        for (int head = 0; head < Heads; head++)
        {
            Assert.Equal(PublishedMasks.Keys(PublishedMasks.Tokens(deepSpeed[head], 1), Query), KeysOf(published, head, Query));
        }
    }

    [Fact]
    public void Case3_DeepSpeedSlidingWindowCountIsSymmetric()
    {
        // num_sliding_window_blocks = 5 reaches 2 blocks each side; causally 3 blocks, WindowBlocks = 3.
        var symmetric = AttentionPattern.BigBird(1, 0, 0, 0, 0, slidingWindowBlocks: 5);
        var causal = AttentionPattern.BigBird(1, 3, 0, 0, 0);
        var window = new bool[N, N];
        PublishedMasks.DeepSpeedSlidingWindow(window, 5);
        var deepSpeed = PublishedMasks.Tokens(window, 1);
        Assert.Equal(new[] { 6, 7, 8 }, KeysOf(symmetric, 0, Query));
        Assert.Equal(PublishedMasks.Keys(deepSpeed, Query), KeysOf(symmetric, 0, Query));
        Assert.Equal(KeysOf(causal, 0, Query), KeysOf(symmetric, 0, Query));
    }

    [Fact]
    public void Case3_BSLongformerGlobalBlockIndices()
    {
        // BSLongformerSparsityConfig(block=1, num_sliding_window_blocks=3, global_block_indices=[0, 10]).
        var pattern = AttentionPattern.BigBird(1, 0, 0, 0, 0, slidingWindowBlocks: 3, globalBlockIndices: "0,10");
        var deepSpeed = PublishedMasks.Tokens(PublishedMasks.DeepSpeedBsLongformer(N, 3, new[] { 0, 10 }), 1);
        Assert.Equal(new[] { 0, 7, 8 }, KeysOf(pattern, 0, Query));
        Assert.Equal(Enumerable.Range(0, 11), KeysOf(pattern, 0, 10));
        Assert.Equal(new[] { 0, 10, 11, 12 }, KeysOf(pattern, 0, 12));
        AssertSameMask(deepSpeed, pattern, N, heads: 1, head => head);
    }

    [Fact]
    public void Case4_BigBirdRandom_PerHeadTables_DrawnFromEveryBlockUpToTheDiagonal()
    {
        // DeepSpeed draws random.sample(range(0, row + 1), R) per layout head: its draws are Python's, so
        // what is checked is the definition: window and globals as DeepSpeed sets them, plus at most R
        // blocks at or before the diagonal, a different draw per head, and draws that land on blocks
        // already attended (which never happens when only blocks not yet attended are candidates).
        const int random = 2, blocks = 64;
        var perHead = AttentionPattern.BigBird(1, 0, 1, random, 5, slidingWindowBlocks: 3, differentLayoutPerHead: true, randomAmongAllBlocks: true);
        var shared = AttentionPattern.BigBird(1, 0, 1, random, 5, slidingWindowBlocks: 3);
        var fixedPart = PublishedMasks.Tokens(PublishedMasks.DeepSpeedBigBirdWithoutRandom(blocks, 3, 1), 1);
        int overlapping = 0, differing = 0;
        for (int head = 0; head < Heads; head++)
        {
            for (int row = 0; row < blocks; row++)
            {
                var keys = KeysOf(perHead, head, row, blocks);
                var required = PublishedMasks.Keys(fixedPart, row);
                Assert.Subset(new HashSet<int>(keys), new HashSet<int>(required));
                var extra = keys.Except(required).ToArray();
                Assert.True(extra.Length <= random, $"head {head} row {row}: {extra.Length} random blocks");
                Assert.All(extra, key => Assert.InRange(key, 0, row));
                int outside = row + 1 - required.Length;
                overlapping += extra.Length < System.Math.Min(random, outside) ? 1 : 0;
                differing += head > 0 && !keys.SequenceEqual(KeysOf(perHead, 0, row, blocks)) ? 1 : 0;

                var sharedKeys = KeysOf(shared, head, row, blocks);
                Assert.Equal(System.Math.Min(random, outside), sharedKeys.Except(required).Count());
            }
        }

        Assert.True(overlapping > 0, "no draw landed on an attended block");
        Assert.True(differing > 0, "every head drew the same blocks");
        for (int row = 0; row < blocks; row++)
        {
            // Head 0 keeps the table the heads would share, so different_layout_per_head only adds tables.
            Assert.Equal(KeysOf(AttentionPattern.BigBird(1, 0, 1, random, 5, slidingWindowBlocks: 3, randomAmongAllBlocks: true), 3, row, blocks),
                KeysOf(perHead, 0, row, blocks));
        }
    }

    [Theory]
    [InlineData(64, 4)]
    [InlineData(100, 7)]
    [InlineData(48, 16)]
    public void StridedSplit_LocalWidthLPlus1_IsThePapersA1AndA2(int n, int l)
    {
        var pattern = AttentionPattern.Strided(l, splitHeads: true, localWindow: l + 1);
        AssertSameMask(PublishedMasks.PaperStridedA1(n, l), pattern, n, Heads, head => head < Heads / 2 ? head : -1);
        AssertSameMask(PublishedMasks.PaperStridedA2(n, l), pattern, n, Heads, head => head >= Heads / 2 ? head : -1);
    }

    [Theory]
    [InlineData(64, 4)]
    [InlineData(100, 7)]
    public void StridedMerged_IsOpenAisLocalUnionStrided_WithEitherBand(int n, int l)
    {
        var union = PublishedMasks.Union(PublishedMasks.OpenAiLocal(n, l), PublishedMasks.OpenAiStrided(n, l));
        AssertSameMask(union, AttentionPattern.Strided(l), n, 1, head => head);
        AssertSameMask(union, AttentionPattern.Strided(l, localWindow: l + 1), n, 1, head => head);
        AssertSameMask(PublishedMasks.Union(PublishedMasks.PaperStridedA1(n, l), PublishedMasks.PaperStridedA2(n, l)),
            AttentionPattern.Strided(l, localWindow: l + 1), n, 1, head => head);
    }

    [Theory]
    [InlineData(4, 1, 1, 4, 8)]
    [InlineData(4, 1, 2, 4, 8)]
    [InlineData(4, 1, 4, 2, 8)]
    [InlineData(8, 2, 3, 4, 6)]
    [InlineData(6, 3, 2, 3, 8)]
    public void Fixed_WithSummaryPatterns_IsDeepSpeedsUnidirectionalFixed(int numLocalBlocks, int numGlobalBlocks, int patterns, int block, int heads)
    {
        // Token level: l = num_local_blocks · block, c = num_global_blocks · block, P = num_different_global_patterns.
        int blocks = numLocalBlocks * 5;
        var deepSpeed = PublishedMasks.DeepSpeedFixed(heads, blocks, numLocalBlocks, numGlobalBlocks, patterns, differentLayoutPerHead: true);
        var pattern = AttentionPattern.Fixed(numLocalBlocks * block, numGlobalBlocks * block, summaryPatterns: patterns);
        for (int head = 0; head < heads; head++)
        {
            int h = head;
            AssertSameMask(PublishedMasks.Tokens(deepSpeed[head], block), pattern, blocks * block, heads, x => x == h ? h : -1);
        }
    }

    [Theory]
    [InlineData(20, 4)]
    [InlineData(24, 3)]
    public void Fixed_Default_IsThePapersFixed(int l, int c) =>
        AssertSameMask(PublishedMasks.PaperFixed(5 * l + 3, l, c), AttentionPattern.Fixed(l, c), 5 * l + 3, 1, head => head);

    [Theory]
    [InlineData(3, 1, 16)]
    [InlineData(5, 2, 8)]
    [InlineData(4, 0, 4)]
    [InlineData(1, 1, 8)]
    public void BigBirdWithoutRandom_IsDeepSpeedsBigBird(int numSlidingWindowBlocks, int numGlobalBlocks, int block)
    {
        const int blocks = 20;
        var pattern = AttentionPattern.BigBird(block, 0, numGlobalBlocks, 0, 0, slidingWindowBlocks: numSlidingWindowBlocks);
        AssertSameMask(PublishedMasks.Tokens(PublishedMasks.DeepSpeedBigBirdWithoutRandom(blocks, numSlidingWindowBlocks, numGlobalBlocks), block),
            pattern, blocks * block, 1, head => head);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(4, 8)]
    [InlineData(7, 4)]
    public void LocalSlidingWindow_IsBigBirdWithTheSlidingWindowAlone(int numSlidingWindowBlocks, int block)
    {
        const int blocks = 20;
        AssertSameMask(PublishedMasks.Tokens(PublishedMasks.DeepSpeedLocalSlidingWindow(blocks, numSlidingWindowBlocks), block),
            AttentionPattern.BigBird(block, 0, 0, 0, 0, slidingWindowBlocks: numSlidingWindowBlocks), blocks * block, 1, head => head);
    }

    [Fact]
    public void BSLongformerGlobalWindows_AreInclusiveRanges()
    {
        // global_block_indices=[2, 9], global_block_end_indices=[4, 10]: blocks 2, 3 and 9, written "2-3,9".
        const int blocks = 16, block = 4;
        var pattern = AttentionPattern.BigBird(block, 0, 0, 0, 0, slidingWindowBlocks: 3, globalBlockIndices: "2-3,9");
        AssertSameMask(PublishedMasks.Tokens(PublishedMasks.DeepSpeedBsLongformer(blocks, 3, new[] { 2, 9 }, new[] { 4, 10 }), block),
            pattern, blocks * block, 1, head => head);
        Assert.Equal(pattern, AttentionPattern.BigBird(block, 0, 0, 0, 0, slidingWindowBlocks: 3, globalBlockIndices: "9, 3, 2"));
    }

    [Fact]
    public void DefaultsKeepTodaysPatterns()
    {
        Assert.Equal(AttentionPattern.Strided(16, true), AttentionPattern.Strided(16, splitHeads: true, localWindow: 0));
        Assert.Equal("BigBird(block 16, window 3, global 1, random 2, seed 7)", AttentionPattern.BigBird(16, 3, 1, 2, 7).ToString());
        var merged = AttentionPattern.Strided(13, localWindow: 14);
        for (int i = 0; i < 80; i++)
        {
            Assert.Equal(KeysOf(AttentionPattern.Strided(13), 0, i), KeysOf(merged, 0, i));
        }
    }

    private static int[] KeysOf(AttentionPattern pattern, int head, int query, int heads = Heads) =>
        Enumerable.Range(0, query + 1).Where(key => pattern.Attends(head, heads, query, key)).ToArray();

    /// <summary>Every query of the heads that <paramref name="headFilter"/> keeps (−1: skip) attends the mask's keys.</summary>
    private static void AssertSameMask(bool[,] mask, AttentionPattern pattern, int n, int heads, System.Func<int, int> headFilter)
    {
        for (int head = 0; head < heads; head++)
        {
            if (headFilter(head) < 0)
            {
                continue;
            }

            for (int i = 0; i < n; i++)
            {
                var expected = PublishedMasks.Keys(mask, i);
                var actual = Enumerable.Range(0, n).Where(j => pattern.Attends(head, heads, i, j)).ToArray();
                Assert.True(expected.SequenceEqual(actual),
                    $"{pattern}, head {head}, query {i}: published [{string.Join(",", expected)}], KernelGen [{string.Join(",", actual)}]");
            }
        }
    }
}
