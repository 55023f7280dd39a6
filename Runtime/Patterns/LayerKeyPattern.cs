using System;
using KernelGen.Patterns;

namespace KernelGen.Kernels.Engine;

/// <summary>A runtime pattern, bound to a model, as the engine consumes it: the generic kernels' pattern.</summary>
internal readonly struct LayerKeyPattern : IKeyPattern
{
    private readonly LayerPattern _pattern;

    public LayerKeyPattern(LayerPattern pattern) => _pattern = pattern;

    public int HeadClasses => _pattern.Classes;

    public int BlockLength => _pattern.BlockLength;

    public int[] Heads(int kvHead, int headClass) => _pattern.HeadsOf[kvHead][headClass];

    public int Segments(int headClass, int query, Span<KeySegment> segments) => _pattern.Segments(headClass, query, segments);

    public int TileRanges(int headClass, int first, int last, Span<KeyRange> ranges) => _pattern.TileRanges(headClass, first, last, ranges);

    public int StridePeriod(int headClass) => _pattern.StridePeriod(headClass);
}
