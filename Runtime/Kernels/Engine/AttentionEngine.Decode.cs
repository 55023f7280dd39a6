using System;
using System.Runtime.CompilerServices;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

public sealed partial class AttentionEngine
{
    /// <summary>Decode: the token at <paramref name="position"/>, whose key and value are already cached, in the cache's format.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode<TMicro, TPattern>(in TMicro micro, in TPattern pattern, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
    {
        switch (cache.Format)
        {
            case KvCacheFormat.Float32:
                Decode<TMicro, TPattern, KvFloat32>(micro, pattern, cache, layer, position, query, output);
                break;
            case KvCacheFormat.BFloat16:
                Decode<TMicro, TPattern, KvBFloat16>(micro, pattern, cache, layer, position, query, output);
                break;
            case KvCacheFormat.Float16:
                Decode<TMicro, TPattern, KvFloat16>(micro, pattern, cache, layer, position, query, output);
                break;
            default:
                Decode<TMicro, TPattern, KvInt8>(micro, pattern, cache, layer, position, query, output);
                break;
        }
    }

    /// <summary>
    /// Decode with the cache's format a type argument: the JIT compiles one copy per (microkernels,
    /// pattern, format), in which the format's widening loads inline into the microkernels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Decode<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        if (cache.Format != TFormat.Format)
        {
            throw new ArgumentException($"The cache stores {cache.Format}, but this decode reads {TFormat.Format}.", nameof(cache));
        }

        int pairs = pattern.HeadClasses * _shape.KvHeads;
        long work = (long)(position + 1) * _shape.Heads * _shape.HeadDim;
        if (work < ParallelThreshold || _pool.Workers == 1)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                DecodePair<TMicro, TPattern, TFormat>(micro, pattern, _scratch[0], cache, layer, position, query, output, pair, 0, 1);
            }

            return;
        }

        // Enough (class, KV head) pairs to share out; otherwise (MQA above all) split each pair's
        // keys between the workers and merge their partial softmax states (flash-decoding).
        int parts = pairs >= _pool.Workers ? 1 : _pool.Workers;
        fixed (float* q = query, o = output)
        {
            var job = DecodeJob<TMicro, TPattern, TFormat>.ForThisThread;
            job.Set(this, micro, pattern, cache, layer, position, q, query.Length, o, output.Length, parts);
            _pool.Run(job, pairs * parts);
            job.Clear();
        }

        if (parts > 1)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                int[] heads = pattern.Heads(pair % _shape.KvHeads, pair / _shape.KvHeads);
                _partials.Merge(pair, parts, heads, output);
            }
        }
    }

    /// <summary>
    /// One (head class, KV head) pair: its query heads against part <paramref name="part"/> of
    /// <paramref name="parts"/> of its keys. With one part the outputs are written; with several,
    /// the part's softmax state is kept for <see cref="PartialState.Merge"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodePair<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, AttentionScratch s, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output, int pair, int part, int parts)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        if (KernelSizes.UsesTwoPassDecode(micro.HeadDim))
        {
            DecodePairTwoPass<TMicro, TPattern, TFormat>(micro, pattern, s, cache, layer, position, query, output, pair, part, parts);
            return;
        }

        int d = micro.HeadDim;
        int kvHead = pair % _shape.KvHeads, headClass = pair / _shape.KvHeads;
        int[] heads = pattern.Heads(kvHead, headClass);
        if (heads.Length == 0)
        {
            if (parts > 1)
            {
                _partials.Store(pair, part, s, 0, d);
            }

            return;
        }

        int rows = heads.Length;
        for (int r = 0; r < rows; r++)
        {
            LoadQuery(query.Slice(heads[r] * d, d), s.Queries.AsSpan(r * d, d));
        }

        Reset(s, rows, d);
        int segments = pattern.Segments(headClass, position, s.Segments);

        // This part's share of the keys, counted across the segments in order.
        long total = 0;
        for (int i = 0; i < segments; i++)
        {
            total += s.Segments[i].Count;
        }

        long from = total * part / parts, to = total * (part + 1) / parts, seen = 0;
        var layout = cache.Layout(layer);
        var head = new CacheHead(cache, layer, kvHead);
        Span<SlotRun> runs = stackalloc SlotRun[3];
        for (int i = 0; i < segments && seen < to; i++)
        {
            var segment = s.Segments[i];
            long skip = Math.Max(0, from - seen), take = Math.Min(segment.Count, to - seen) - skip;
            seen += segment.Count;
            if (take <= 0)
            {
                continue;
            }

            int start = segment.Start + (int)skip * segment.Step;
            if (segment.Step != 1)
            {
                // Strided keys only occur where every position is kept: slot = position.
                AttendRun<TMicro, TFormat>(micro, s, 0, rows, head, start, (int)take, segment.Step, NoMask);
                continue;
            }

            int pieces = layout.ToSlotRuns(start, (int)take, runs);
            for (int piece = 0; piece < pieces; piece++)
            {
                AttendRun<TMicro, TFormat>(micro, s, 0, rows, head, runs[piece].Slot, runs[piece].Count, 1, NoMask);
            }
        }

        if (parts > 1)
        {
            _partials.Store(pair, part, s, rows, d);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            Finish(micro, s, r, output.Slice(heads[r] * d, d));
        }
    }

    private static readonly Mask NoMask = default;
}
