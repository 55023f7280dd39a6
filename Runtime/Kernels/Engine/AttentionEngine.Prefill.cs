using System;
using System.Runtime.CompilerServices;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

public sealed partial class AttentionEngine
{
    /// <summary>Prefill: <paramref name="count"/> tokens from <paramref name="start"/>, whose keys and values are already cached, in the cache's format.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prefill<TMicro, TPattern>(in TMicro micro, in TPattern pattern, KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
    {
        switch (cache.Format)
        {
            case KvCacheFormat.Float32:
                Prefill<TMicro, TPattern, KvFloat32>(micro, pattern, cache, layer, start, count, query, output);
                break;
            case KvCacheFormat.BFloat16:
                Prefill<TMicro, TPattern, KvBFloat16>(micro, pattern, cache, layer, start, count, query, output);
                break;
            case KvCacheFormat.Float16:
                Prefill<TMicro, TPattern, KvFloat16>(micro, pattern, cache, layer, start, count, query, output);
                break;
            default:
                Prefill<TMicro, TPattern, KvInt8>(micro, pattern, cache, layer, start, count, query, output);
                break;
        }
    }

    /// <summary>Prefill with the cache's format a type argument; see <see cref="Decode{TMicro, TPattern, TFormat}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Prefill<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        if (cache.Format != TFormat.Format)
        {
            throw new ArgumentException($"The cache stores {cache.Format}, but this prefill reads {TFormat.Format}.", nameof(cache));
        }

        // Tiles are aligned to multiples of tileLength, which divides the pattern's block length,
        // so no tile crosses a block boundary and all its rows see the same blocks.
        int tileLength = TileLength(pattern.BlockLength);
        int firstTile = start / tileLength, tiles = (start + count - 1) / tileLength - firstTile + 1;
        int perTile = pattern.HeadClasses * _shape.KvHeads;
        long work = (long)count * (start + count) * _shape.Heads * _shape.HeadDim / 2;
        if (work < ParallelThreshold || _pool.Workers == 1)
        {
            for (int item = 0; item < tiles * perTile; item++)
            {
                PrefillItem<TMicro, TPattern, TFormat>(micro, pattern, _scratch[0], cache, layer, start, count, query, output, tileLength, firstTile, tiles, item);
            }

            return;
        }

        fixed (float* q = query, o = output)
        {
            var job = PrefillJob<TMicro, TPattern, TFormat>.ForThisThread;
            job.Set(this, micro, pattern, cache, layer, start, count, q, query.Length, o, output.Length, tileLength, firstTile, tiles);
            _pool.Run(job, tiles * perTile);
            job.Clear();
        }
    }

    /// <summary>The largest divisor of the block length that fits a tile (the tile itself when there are no blocks).</summary>
    private int TileLength(int blockLength)
    {
        if (blockLength <= 0)
        {
            return QueryTile;
        }

        for (int length = Math.Min(QueryTile, blockLength); ; length--)
        {
            if (blockLength % length == 0)
            {
                return length;
            }
        }
    }

    /// <summary>
    /// One (tile, head class, KV head) item. Items are numbered heaviest first: later tiles
    /// attend more keys, and handing them out first keeps the workers' loads even.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrefillItem<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, AttentionScratch s, KvCache cache, int layer, int start, int count,
        ReadOnlySpan<float> query, Span<float> output, int tileLength, int firstTile, int tiles, int item)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        int perTile = pattern.HeadClasses * _shape.KvHeads;
        int tileIndex = firstTile + tiles - 1 - item / perTile;
        int headClass = item % perTile / _shape.KvHeads, kvHead = item % _shape.KvHeads;
        int[] heads = pattern.Heads(kvHead, headClass);
        if (heads.Length == 0)
        {
            return;
        }

        int d = micro.HeadDim, dim = _shape.Dim;
        int tile = Math.Max(start, tileIndex * tileLength), last = Math.Min(start + count, (tileIndex + 1) * tileLength) - 1;
        int positions = last - tile + 1, perPosition = heads.Length, rows = positions * perPosition;
        for (int p = 0; p < positions; p++)
        {
            var queryRow = query.Slice((tile + p - start) * dim, dim);
            for (int h = 0; h < perPosition; h++)
            {
                LoadQuery(queryRow.Slice(heads[h] * d, d), s.Queries.AsSpan((p * perPosition + h) * d, d));
            }
        }

        Reset(s, rows, d);
        var layout = cache.Layout(layer);
        var head = new CacheHead(cache, layer, kvHead);
        Span<SlotRun> runs = stackalloc SlotRun[3];
        int ranges = pattern.TileRanges(headClass, tile, last, s.Ranges);
        for (int i = 0; i < ranges; i++)
        {
            var range = s.Ranges[i];
            int pieces = layout.ToSlotRuns(range.Start, range.Count, runs);
            for (int piece = 0; piece < pieces; piece++)
            {
                var mask = new Mask(tile, last, perPosition, runs[piece].Position, range.MinDistance, range.MaxDistance);
                AttendRun<TMicro, TFormat>(micro, s, 0, rows, head, runs[piece].Slot, runs[piece].Count, 1, mask);
            }
        }

        int stride = pattern.StridePeriod(headClass);
        if (stride > 0)
        {
            // Strided keys, position by position: query i meets exactly i − m·stride, m ≥ 1.
            for (int p = 0; p < positions; p++)
            {
                int position = tile + p, strided = position / stride;
                if (strided > 0)
                {
                    AttendRun<TMicro, TFormat>(micro, s, p * perPosition, perPosition, head, position - strided * stride, strided, stride, NoMask);
                }
            }
        }

        for (int p = 0; p < positions; p++)
        {
            var outputRow = output.Slice((tile + p - start) * dim, dim);
            for (int h = 0; h < perPosition; h++)
            {
                Finish(micro, s, p * perPosition + h, outputRow.Slice(heads[h] * d, d));
            }
        }
    }
}
