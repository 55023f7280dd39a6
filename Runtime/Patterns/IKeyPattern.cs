using System;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// A layer's attention pattern as the engine consumes it: which query heads share a key set, and
/// which keys a decode query or a prefill tile visits. Generated kernels implement it per pattern
/// with every parameter a constant; the generic kernels wrap the runtime pattern.
/// </summary>
public interface IKeyPattern
{
    /// <summary>Groups of query heads that attend the same keys.</summary>
    int HeadClasses { get; }

    /// <summary>Prefill tiles never cross a multiple of this (0: the pattern has no blocks).</summary>
    int BlockLength { get; }

    /// <summary>The query heads of <paramref name="kvHead"/> in <paramref name="headClass"/>.</summary>
    int[] Heads(int kvHead, int headClass);

    /// <summary>Decode: the keys query <paramref name="query"/> attends, as segments (see <see cref="KeySegments"/>).</summary>
    int Segments(int headClass, int query, Span<KeySegment> segments);

    /// <summary>Prefill: the key ranges of queries <paramref name="first"/>..<paramref name="last"/>, strided keys excluded.</summary>
    int TileRanges(int headClass, int first, int last, Span<KeyRange> ranges);

    /// <summary>The stride of the class's strided keys (i − m·stride, m ≥ 1), or 0 when it has none.</summary>
    int StridePeriod(int headClass);
}
