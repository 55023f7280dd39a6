using System;
using System.Collections.Generic;
using KernelGen.Kernels;

namespace KernelGen.Patterns;

/// <summary>
/// A pattern bound to a model's heads and context: its head classes, each class's components, and
/// which query heads of each KV head belong to each class. What the generic kernels run; the
/// generated kernels carry the same facts as constants.
/// </summary>
internal sealed class LayerPattern
{
    private readonly PatternComponent[][] _components;

    public LayerPattern(AttentionPattern pattern, ModelShape shape)
    {
        pattern.CheckFits(shape);
        pattern.Prepare(shape.MaxSeqLen, shape.Heads);
        Pattern = pattern;
        var parameters = pattern.Parameters;
        Classes = PatternLayout.HeadClassCount(parameters, shape.Heads, pattern.LayoutTableCount);
        _components = new PatternComponent[Classes][];
        for (int c = 0; c < Classes; c++)
        {
            _components[c] = PatternLayout.Components(parameters, c).ToArray();
        }

        HeadsOf = new int[shape.KvHeads][][];
        for (int kvHead = 0; kvHead < shape.KvHeads; kvHead++)
        {
            var byClass = new List<int>[Classes];
            for (int c = 0; c < Classes; c++)
            {
                byClass[c] = new List<int>();
            }

            for (int head = kvHead * shape.GroupSize; head < (kvHead + 1) * shape.GroupSize; head++)
            {
                byClass[PatternLayout.HeadClass(parameters, head, shape.Heads, pattern.LayoutTableCount)].Add(head);
            }

            HeadsOf[kvHead] = Array.ConvertAll(byClass, list => list.ToArray());
        }

        BlockLength = PatternLayout.BlockLength(parameters);
        MaxSegments = KernelSizes.MaxSegments(shape.MaxSeqLen, BlockLength);
    }

    public AttentionPattern Pattern { get; }

    /// <summary>Head classes: groups of query heads with the same key set.</summary>
    public int Classes { get; }

    /// <summary>[kvHead][class] → the query heads of that KV head in that class, ascending.</summary>
    public int[][][] HeadsOf { get; }

    /// <summary>Prefill tiles never cross a multiple of this (0: no block structure).</summary>
    public int BlockLength { get; }

    /// <summary>Most segments (or ranges) one query (or tile) can produce.</summary>
    public int MaxSegments { get; }

    /// <summary>The stride of the class's Stride component, or 0 when it has none.</summary>
    public int StridePeriod(int headClass)
    {
        foreach (var component in _components[headClass])
        {
            if (component.Kind == ComponentKind.Stride)
            {
                return component.Period;
            }
        }

        return 0;
    }

    /// <summary>Decode: the segments of keys that query <paramref name="query"/> of class <paramref name="headClass"/> attends.</summary>
    public int Segments(int headClass, int query, Span<KeySegment> segments)
    {
        int count = 0;
        foreach (var c in _components[headClass])
        {
            var rest = segments.Slice(count);
            count += c.Kind switch
            {
                ComponentKind.Band => KeySegments.Band(query, c.Lo, c.Hi, rest),
                ComponentKind.Stride => KeySegments.Stride(query, c.Period, rest),
                ComponentKind.SameBlock => KeySegments.SameBlock(query, c.Period, rest),
                ComponentKind.Columns => KeySegments.Columns(query, c.Period, c.Offset, c.Width, rest),
                ComponentKind.Prefix => KeySegments.Prefix(query, c.Width, c.Lo, rest),
                _ => KeySegments.Blocks(query, c.Period, Pattern.BlockRow(headClass, query / c.Period), rest),
            };
        }

        return count;
    }

    /// <summary>Prefill: the key ranges of queries <paramref name="first"/>..<paramref name="last"/> (inside one block), Stride components excluded.</summary>
    public int TileRanges(int headClass, int first, int last, Span<KeyRange> ranges)
    {
        int count = 0;
        foreach (var c in _components[headClass])
        {
            var rest = ranges.Slice(count);
            count += c.Kind switch
            {
                ComponentKind.Band => KeySegments.BandTile(first, last, c.Lo, c.Hi, rest),
                ComponentKind.Stride => 0,
                ComponentKind.SameBlock => KeySegments.SameBlockTile(first, last, c.Period, rest),
                ComponentKind.Columns => KeySegments.ColumnsTile(first, c.Period, c.Offset, c.Width, rest),
                ComponentKind.Prefix => KeySegments.PrefixTile(last, c.Width, c.Lo, rest),
                _ => KeySegments.BlocksTile(last, c.Period, Pattern.BlockRow(headClass, first / c.Period), rest),
            };
        }

        return count;
    }
}
