using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Kernels;

/// <summary>
/// Index arithmetic of the pattern components: which keys a query (decode) or a tile of queries
/// (prefill) visits. Generated kernels call these with constant arguments, so after inlining the
/// arithmetic folds; the generic kernels call them with run-time values. Every function writes
/// exactly the attended keys of its component, so nothing outside the pattern is ever loaded.
/// </summary>
/// <remarks>All positions are absolute; a query i only ever gets keys j ≤ i.</remarks>
public static class KeySegments
{
    /// <summary>Band: keys with <paramref name="lo"/> ≤ i − j &lt; <paramref name="hi"/> (dense: 0, int.MaxValue; window w: 0, w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Band(int query, int lo, int hi, Span<KeySegment> segments)
    {
        int last = query - lo;
        int first = hi > query ? 0 : query - hi + 1;
        if (last < first)
        {
            return 0;
        }

        segments[0] = new KeySegment(first, last - first + 1, 1);
        return 1;
    }

    /// <summary>Stride: keys i − m·<paramref name="stride"/> for m ≥ 1 (Sparse Transformer's strided heads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Stride(int query, int stride, Span<KeySegment> segments)
    {
        int count = query / stride;
        if (count == 0)
        {
            return 0;
        }

        segments[0] = new KeySegment(query - count * stride, count, stride);
        return 1;
    }

    /// <summary>SameBlock: the query's own block of <paramref name="block"/> keys, up to the query.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SameBlock(int query, int block, Span<KeySegment> segments)
    {
        int first = query / block * block;
        segments[0] = new KeySegment(first, query - first + 1, 1);
        return 1;
    }

    /// <summary>
    /// Columns: in every block of <paramref name="period"/> keys before the query's, the
    /// <paramref name="width"/> keys from <paramref name="offset"/> (Sparse Transformer's fixed summaries).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Columns(int query, int period, int offset, int width, Span<KeySegment> segments)
    {
        int blocks = query / period;
        for (int block = 0; block < blocks; block++)
        {
            segments[block] = new KeySegment(block * period + offset, width, 1);
        }

        return blocks;
    }

    /// <summary>Prefix: keys j &lt; <paramref name="width"/> that a band starting at <paramref name="lo"/> does not already cover (sinks beside a window).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Prefix(int query, int width, int lo, Span<KeySegment> segments)
    {
        int end = Math.Min(width, query - lo + 1);
        if (end <= 0)
        {
            return 0;
        }

        segments[0] = new KeySegment(0, end, 1);
        return 1;
    }

    /// <summary>Blocks: the key blocks listed for the query's block (<paramref name="keyBlocks"/>, ascending), up to the query.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Blocks(int query, int blockSize, ReadOnlySpan<int> keyBlocks, Span<KeySegment> segments)
    {
        for (int b = 0; b < keyBlocks.Length; b++)
        {
            int first = keyBlocks[b] * blockSize;
            segments[b] = new KeySegment(first, Math.Min(blockSize, query - first + 1), 1);
        }

        return keyBlocks.Length;
    }

    /// <summary>Band, for the queries <paramref name="first"/>..<paramref name="last"/> of a prefill tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BandTile(int first, int last, int lo, int hi, Span<KeyRange> ranges)
    {
        int end = last - lo;
        int start = hi > first ? 0 : first - hi + 1;
        if (end < start)
        {
            return 0;
        }

        ranges[0] = new KeyRange(start, end - start + 1, lo, hi - 1);
        return 1;
    }

    /// <summary>SameBlock, for a tile that lies inside one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SameBlockTile(int first, int last, int block, Span<KeyRange> ranges)
    {
        int start = first / block * block;
        ranges[0] = new KeyRange(start, last - start + 1, 0, int.MaxValue);
        return 1;
    }

    /// <summary>Columns, for a tile that lies inside one block: every key is before every query, so none is masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ColumnsTile(int first, int period, int offset, int width, Span<KeyRange> ranges)
    {
        int blocks = first / period;
        for (int block = 0; block < blocks; block++)
        {
            ranges[block] = new KeyRange(block * period + offset, width, 0, int.MaxValue);
        }

        return blocks;
    }

    /// <summary>Prefix, for a prefill tile whose last query is <paramref name="last"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PrefixTile(int last, int width, int lo, Span<KeyRange> ranges)
    {
        int end = Math.Min(width, last - lo + 1);
        if (end <= 0)
        {
            return 0;
        }

        ranges[0] = new KeyRange(0, end, lo, int.MaxValue);
        return 1;
    }

    /// <summary>Blocks, for a tile that lies inside one query block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlocksTile(int last, int blockSize, ReadOnlySpan<int> keyBlocks, Span<KeyRange> ranges)
    {
        for (int b = 0; b < keyBlocks.Length; b++)
        {
            int start = keyBlocks[b] * blockSize;
            ranges[b] = new KeyRange(start, Math.Min(blockSize, last - start + 1), 0, int.MaxValue);
        }

        return keyBlocks.Length;
    }

    /// <summary>
    /// True when some (query, key) pair of queries <paramref name="first"/>..<paramref name="last"/> and keys
    /// <paramref name="keyStart"/>..keyStart + count − 1 falls outside the range's distance bounds, so the block needs a mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NeedsMask(int first, int last, int keyStart, int count, int minDistance, int maxDistance) =>
        first - (keyStart + count - 1) < minDistance || (long)last - keyStart > maxDistance;
}
