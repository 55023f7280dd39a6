using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Kernels;
using KernelGen.Patterns;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// The patterns' definitions agree with their key-count formulas, and the kernels' key enumeration
/// (decode segments, prefill tile ranges and strided diagonals) visits exactly the defined keys.
/// </summary>
public class PatternDefinitionTests
{
    private const int Heads = 8;
    private const int Length = 300;

    public static IEnumerable<object[]> Patterns => PatternCases.Names();

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(500)]
    public void SlidingWindow_AttendsMinOfIPlus1AndW(int window) =>
        AssertCounts(AttentionPattern.SlidingWindow(window), (_, i) => Math.Min(i + 1, window));

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(17)]
    public void Strided_AttendsLocalBandPlusEveryLthKey(int stride) =>
        AssertCounts(AttentionPattern.Strided(stride), (_, i) => Math.Min(i + 1, stride) + i / stride);

    [Fact]
    public void StridedSplit_LocalHeadsSeeTheBand_StridedHeadsEveryLthKey() =>
        AssertCounts(AttentionPattern.Strided(16, splitHeads: true), (h, i) => h < Heads / 2 ? Math.Min(i + 1, 16) : i / 16 + 1);

    [Theory]
    [InlineData(20, 3, false)]
    [InlineData(24, 4, true)]
    [InlineData(8, 8, false)]
    public void Fixed_AttendsOwnBlockPlusCSummariesPerEarlierBlock(int block, int summary, bool perHead) =>
        AssertCounts(AttentionPattern.Fixed(block, summary, perHead), (_, i) => i % block + 1 + summary * (i / block));

    [Theory]
    [InlineData(3, 29)]
    [InlineData(40, 10)]
    public void Global_AttendsSinksPlusWindow(int sinks, int window) =>
        AssertCounts(AttentionPattern.Global(sinks, window), (_, i) => Math.Min(i + 1, window) + Math.Clamp(i - window + 1, 0, sinks));

    [Fact]
    public void BigBird_AttendsWindowGlobalAndRandomBlocks()
    {
        const int b = 16, windowBlocks = 3, globalBlocks = 1, randomBlocks = 2;
        var pattern = AttentionPattern.BigBird(b, windowBlocks, globalBlocks, randomBlocks, seed: 7);
        for (int i = 0; i < Length; i++)
        {
            int queryBlock = i / b;
            var blocks = Enumerable.Range(0, queryBlock + 1).Where(j => pattern.Attends(0, Heads, i, j * b)).ToList();
            int expectedBlocks = Math.Min(queryBlock + 1, windowBlocks + globalBlocks + randomBlocks);
            Assert.Equal(expectedBlocks, blocks.Count);
            Assert.Contains(queryBlock, blocks);
            Assert.Contains(0, blocks);
            int expectedKeys = blocks.Count(block => block < queryBlock) * b + (i % b + 1);
            Assert.Equal(expectedKeys, Enumerable.Range(0, i + 1).Count(j => pattern.Attends(0, Heads, i, j)));
        }
    }

    [Fact]
    public void BigBird_IsTheSameForTheSameSeed_AndDiffersForAnother()
    {
        var a = AttentionPattern.BigBird(8, 1, 0, 2, seed: 1);
        var b = AttentionPattern.BigBird(8, 1, 0, 2, seed: 1);
        var c = AttentionPattern.BigBird(8, 1, 0, 2, seed: 2);
        var keys = (AttentionPattern p) => Enumerable.Range(0, 1000).Where(j => p.Attends(0, 1, 999, j)).ToArray();
        Assert.Equal(keys(a), keys(b));
        Assert.NotEqual(keys(a), keys(c));
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void DecodeSegments_VisitExactlyTheDefinedKeys_EachOnce(string name)
    {
        var pattern = PatternCases.All[name];
        var shape = new ModelShape(Heads * 8, 1, Heads, 2, Length);
        var layer = new LayerPattern(pattern, shape);
        var segments = new KeySegment[layer.MaxSegments];
        for (int head = 0; head < Heads; head++)
        {
            int headClass = ClassOf(layer, head, shape);
            for (int i = 0; i < Length; i++)
            {
                var visited = new List<int>();
                int count = layer.Segments(headClass, i, segments);
                for (int s = 0; s < count; s++)
                {
                    for (int t = 0; t < segments[s].Count; t++)
                    {
                        visited.Add(segments[s].Start + t * segments[s].Step);
                    }
                }

                var expected = Enumerable.Range(0, i + 1).Where(j => pattern.Attends(head, Heads, i, j)).ToList();
                Assert.Equal(expected, visited.OrderBy(j => j));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void PrefillTiles_CoverExactlyTheDefinedKeys_AndMaskOnlyEdgeBlocks(string name)
    {
        var pattern = PatternCases.All[name];
        var shape = new ModelShape(Heads * 8, 1, Heads, 2, Length);
        var layer = new LayerPattern(pattern, shape);
        var ranges = new KeyRange[layer.MaxSegments];
        const int tileLength = 16, keyBlock = 64;
        for (int head = 0; head < Heads; head++)
        {
            int headClass = ClassOf(layer, head, shape);
            for (int tile = 0; tile < Length;)
            {
                int end = Math.Min(tile + tileLength, Length);
                if (layer.BlockLength > 0)
                {
                    end = Math.Min(end, (tile / layer.BlockLength + 1) * layer.BlockLength);
                }

                var visited = Enumerable.Range(tile, end - tile).ToDictionary(i => i, _ => new List<int>());
                int count = layer.TileRanges(headClass, tile, end - 1, ranges);
                for (int r = 0; r < count; r++)
                {
                    var range = ranges[r];
                    for (int block = 0; block < range.Count; block += keyBlock)
                    {
                        int n = Math.Min(keyBlock, range.Count - block);
                        bool masked = KeySegments.NeedsMask(tile, end - 1, range.Start + block, n, range.MinDistance, range.MaxDistance);
                        for (int j = range.Start + block; j < range.Start + block + n; j++)
                        {
                            foreach (int i in visited.Keys)
                            {
                                bool inRange = i - j >= range.MinDistance && i - j <= range.MaxDistance;
                                Assert.True(masked || inRange, $"{name}: unmasked block holds ({i}, {j}) outside its range");
                                if (inRange)
                                {
                                    visited[i].Add(j);
                                }
                            }
                        }
                    }
                }

                int stride = layer.StridePeriod(headClass);
                foreach (int i in visited.Keys)
                {
                    for (int m = 1; stride > 0 && i - m * stride >= 0; m++)
                    {
                        visited[i].Add(i - m * stride);
                    }

                    var expected = Enumerable.Range(0, i + 1).Where(j => pattern.Attends(head, Heads, i, j)).ToList();
                    Assert.Equal(expected, visited[i].OrderBy(j => j));
                }

                tile = end;
            }
        }
    }

    private static int ClassOf(LayerPattern layer, int head, ModelShape shape)
    {
        int kvHead = head / shape.GroupSize;
        for (int c = 0; c < layer.Classes; c++)
        {
            if (layer.HeadsOf[kvHead][c].Contains(head))
            {
                return c;
            }
        }

        throw new InvalidOperationException($"head {head} has no class");
    }

    private static void AssertCounts(AttentionPattern pattern, Func<int, int, int> expected)
    {
        for (int head = 0; head < Heads; head++)
        {
            for (int i = 0; i < Length; i++)
            {
                int actual = Enumerable.Range(0, i + 1).Count(j => pattern.Attends(head, Heads, i, j));
                Assert.True(expected(head, i) == actual, $"{pattern}, head {head}, query {i}: {actual} keys, formula says {expected(head, i)}");
            }
        }
    }
}
