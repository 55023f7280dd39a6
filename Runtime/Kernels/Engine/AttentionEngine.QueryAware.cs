using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelGen.Caching;
using KernelGen.Threading;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Decode of a QueryAware layer: query-aware block selection (Quest, Tang et al. 2024, "Query-Aware
/// Sparsity for Efficient Long-Context LLM Inference"), then exact attention over the chosen keys.
/// </summary>
/// <remarks>
/// <para>Selection. For each candidate block (see <see cref="QueryAwareSelection"/>) the cache keeps
/// the per-channel minimum and maximum of its keys; for a query q,
/// <c>Σ_d max(q_d·min_d, q_d·max_d)</c> bounds q·k from above for every key k of the block —
/// computed as q⁺·max + q⁻·min with q split once into its positive and negative parts, two
/// fused dot products a block instead of two products, a maximum and a sum per channel. One
/// selection is made per KV group, its bound the maximum over the group's query heads, so each
/// chosen key is still read once for the whole group (Shazeer 2019) — the alternative, a
/// selection per query head, would read a key once per head that picked it and lose GQA/MQA's
/// bandwidth saving; per-head selection keeps more of each head's own best blocks at the same
/// budget. The top k bounds are found by a bounded heap (O(n log k), no sort of the n
/// candidates): a block displaces the heap's worst when its bound is higher, or equal and its index
/// lower — ties go to the earlier block.</para>
/// <para>Attention. Sinks, the chosen blocks in ascending position order (adjacent ones merged into
/// one run) and the recent window are attended through <see cref="AttendRun"/>, split between the
/// workers as any decode is. All scratch is allocated on the first query-aware call, sized from
/// MaxSeqLen and the block size; no call after it allocates.</para>
/// </remarks>
public sealed partial class AttentionEngine
{
    private QueryAwareScratch? _queryAware;

    /// <summary>Decode of a QueryAware layer: selects blocks by the query's bounds, then attends them, sinks and window; <paramref name="pattern"/> is the layer's (dense causal) key pattern.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DecodeQueryAware<TMicro, TPattern>(in TMicro micro, in TPattern pattern, in QueryAwareSelection selection, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
    {
        switch (cache.Format)
        {
            case KvCacheFormat.Float32:
                DecodeQueryAware<TMicro, TPattern, KvFloat32>(micro, pattern, selection, cache, layer, position, query, output);
                break;
            case KvCacheFormat.BFloat16:
                DecodeQueryAware<TMicro, TPattern, KvBFloat16>(micro, pattern, selection, cache, layer, position, query, output);
                break;
            case KvCacheFormat.Float16:
                DecodeQueryAware<TMicro, TPattern, KvFloat16>(micro, pattern, selection, cache, layer, position, query, output);
                break;
            default:
                DecodeQueryAware<TMicro, TPattern, KvInt8>(micro, pattern, selection, cache, layer, position, query, output);
                break;
        }
    }

    /// <summary>Decode of a QueryAware layer with the cache's format a type argument.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void DecodeQueryAware<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, in QueryAwareSelection selection, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        if (cache.Format != TFormat.Format)
        {
            throw new ArgumentException($"The cache stores {cache.Format}, but this decode reads {TFormat.Format}.", nameof(cache));
        }

        if (cache.Layout(layer).KeyBoundsBlock != selection.BlockSize)
        {
            throw new ArgumentException($"Layer {layer} of the cache keeps no key bounds per {selection.BlockSize} keys; a QueryAware layer needs them (create the cache with the kernels' CreateCache).", nameof(cache));
        }

        int candidates = selection.Candidates(position);
        if (candidates <= selection.SelectedBlocks)
        {
            // Every candidate fits the budget: the keys are all of them, exactly dense.
            Decode<TMicro, TPattern, TFormat>(micro, pattern, cache, layer, position, query, output);
            return;
        }

        var scratch = Select<TFormat>(selection, cache, layer, position, query);
        int kvHeads = _shape.KvHeads;

        // 3. Exact attention over them, as any decode: by KV head, or each head's keys split between the workers.
        long work = (long)selection.TokenBudget * _shape.Heads * _shape.HeadDim;
        if (work < ParallelThreshold || _pool.Workers == 1)
        {
            for (int kvHead = 0; kvHead < kvHeads; kvHead++)
            {
                DecodeSelectedPair<TMicro, TPattern, TFormat>(micro, pattern, _scratch[0], cache, layer, query, output, kvHead, 0, 1, scratch.SegmentsOf(kvHead).Slice(0, scratch.SegmentCounts[kvHead]));
            }

            return;
        }

        int parts = kvHeads >= _pool.Workers ? 1 : _pool.Workers;
        fixed (float* q = query, o = output)
        {
            var job = SelectedJob<TMicro, TPattern, TFormat>.ForThisThread;
            job.Set(this, micro, pattern, cache, layer, q, query.Length, o, output.Length, parts, scratch);
            _pool.Run(job, kvHeads * parts);
            job.Clear();
        }

        if (parts > 1)
        {
            for (int kvHead = 0; kvHead < kvHeads; kvHead++)
            {
                _partials.Merge(kvHead, parts, pattern.Heads(kvHead, 0), output);
            }
        }
    }

    /// <summary>
    /// Selection, for every KV head: the bounds of every candidate block (by KV head, or in chunks
    /// of blocks on every worker when that pays), then each head's top blocks as segments of keys in
    /// position order. What a query-aware decode runs before it attends; the benchmarks time it alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal QueryAwareScratch Select<TFormat>(in QueryAwareSelection selection, KvCache cache, int layer, int position, ReadOnlySpan<float> query)
        where TFormat : struct, IKvCacheFormat
    {
        var scratch = QueryAwareScratchFor(selection.BlockSize);
        int kvHeads = _shape.KvHeads;
        int candidates = selection.Candidates(position);

        // 1. Bounds of every candidate block, for every KV head.
        SplitQueries(query, scratch);
        long boundWork = (long)candidates * _shape.Heads * _shape.HeadDim;
        if (boundWork < ParallelThreshold || _pool.Workers == 1)
        {
            for (int kvHead = 0; kvHead < kvHeads; kvHead++)
            {
                BlockBounds<TFormat>(cache, layer, kvHead, scratch, selection.FirstCandidate, candidates, scratch.BoundsOf(kvHead));
            }
        }
        else
        {
            int chunks = Math.Max(1, (_pool.Workers + kvHeads - 1) / kvHeads);
            var job = BoundsJob<TFormat>.ForThisThread;
            job.Set(this, selection, cache, layer, candidates, chunks, scratch);
            _pool.Run(job, kvHeads * chunks);
            job.Clear();
        }

        // 2. The top blocks of each KV head, as segments of keys in position order.
        for (int kvHead = 0; kvHead < kvHeads; kvHead++)
        {
            int chosen = TopBlocks(scratch.BoundsOf(kvHead).Slice(0, candidates), selection.SelectedBlocks, scratch.HeapBounds, scratch.HeapBlocks);
            scratch.SegmentCounts[kvHead] = BuildSegments(selection, position, scratch.HeapBlocks.AsSpan(0, chosen), scratch.Chosen, scratch.SegmentsOf(kvHead));
        }

        return scratch;
    }

    /// <summary>
    /// The kernel's selection alone, for one KV head: the chosen candidate blocks, ascending. What
    /// <see cref="DecodeQueryAware{TMicro, TPattern, TFormat}"/> attends besides sinks and window;
    /// tests hold it against the reference selection, and the benchmarks time it.
    /// </summary>
    internal int SelectBlocks<TFormat>(in QueryAwareSelection selection, KvCache cache, int layer, int kvHead, int position, ReadOnlySpan<float> query, Span<int> chosen)
        where TFormat : struct, IKvCacheFormat
    {
        var scratch = QueryAwareScratchFor(selection.BlockSize);
        int candidates = selection.Candidates(position);
        var bounds = scratch.BoundsOf(kvHead).Slice(0, candidates);
        SplitQueries(query, scratch);
        BlockBounds<TFormat>(cache, layer, kvHead, scratch, selection.FirstCandidate, candidates, bounds);
        int count = TopBlocks(bounds, Math.Min(selection.SelectedBlocks, candidates), scratch.HeapBounds, scratch.HeapBlocks);
        var picked = scratch.HeapBlocks.AsSpan(0, count);
        picked.Sort();
        for (int i = 0; i < count; i++)
        {
            chosen[i] = selection.FirstCandidate + picked[i];
        }

        return count;
    }

    /// <summary>
    /// Splits every query head into its positive and negative parts, q = q⁺ + q⁻: then
    /// Σ_d max(q_d·min_d, q_d·max_d) = q⁺·max + q⁻·min (min ≤ max), two dot products a block.
    /// </summary>
    private static void SplitQueries(ReadOnlySpan<float> query, QueryAwareScratch scratch)
    {
        var positive = scratch.PositiveQueries.AsSpan(0, query.Length);
        var negative = scratch.NegativeQueries.AsSpan(0, query.Length);
        for (int i = 0; i < query.Length; i++)
        {
            positive[i] = MathF.Max(query[i], 0f);
            negative[i] = MathF.Min(query[i], 0f);
        }
    }

    /// <summary>
    /// <c>bounds[c] = max over the group's heads h of q⁺_h·max + q⁻_h·min</c> (Quest's
    /// Σ_d max(q_hd·min_d, q_hd·max_d)) for candidate blocks <paramref name="first"/> + c,
    /// c &lt; <paramref name="count"/>, with the queries already split (<see cref="SplitQueries"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BlockBounds<TFormat>(KvCache cache, int layer, int kvHead, QueryAwareScratch scratch, int first, int count, Span<float> bounds)
        where TFormat : struct, IKvCacheFormat
    {
        int d = _shape.HeadDim, group = _shape.GroupSize;
        int rowBytes = d * TFormat.ElementBytes;
        ref byte rows = ref cache.KeyBoundsRef(layer, kvHead);
        ref float scales = ref cache.KeyBoundScalesRef(layer, kvHead);
        ref float positive = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch.PositiveQueries), kvHead * group * d);
        ref float negative = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch.NegativeQueries), kvHead * group * d);
        for (int c = 0; c < count; c++)
        {
            int block = first + c;
            ref byte minimum = ref Unsafe.Add(ref rows, 2 * block * rowBytes);
            ref byte maximum = ref Unsafe.Add(ref rows, (2 * block + 1) * rowBytes);
            float minimumScale = TFormat.Scaled ? Unsafe.Add(ref scales, 2 * block) : 1f;
            float maximumScale = TFormat.Scaled ? Unsafe.Add(ref scales, 2 * block + 1) : 1f;
            float best = float.NegativeInfinity;
            for (int h = 0; h < group; h++)
            {
                var (upper, lower) = Dots<TFormat>(ref Unsafe.Add(ref positive, h * d), ref maximum, ref Unsafe.Add(ref negative, h * d), ref minimum, d);

                // An int8 row is its scale times its numbers: the scale multiplies the dot product once.
                best = MathF.Max(best, TFormat.Scaled ? maximumScale * upper + minimumScale * lower : upper + lower);
            }

            bounds[c] = best;
        }
    }

    /// <summary>(q⁺·max, q⁻·min) over <paramref name="d"/> channels, the bound rows widened from the cache's format as they are read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float Upper, float Lower) Dots<TFormat>(ref float positive, ref byte maximum, ref float negative, ref byte minimum, int d)
        where TFormat : struct, IKvCacheFormat
    {
        int i = 0;
        float upper = 0, lower = 0;
        if (SimdPolicy.Bits >= 512 && d >= Vector512<float>.Count)
        {
            Vector512<float> hi = default, lo = default;
            for (; i <= d - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                hi = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref positive, (nuint)i), TFormat.Load512(ref maximum, (nuint)i), hi);
                lo = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref negative, (nuint)i), TFormat.Load512(ref minimum, (nuint)i), lo);
            }

            (upper, lower) = (Vector512.Sum(hi), Vector512.Sum(lo));
        }
        else if (SimdPolicy.Bits >= 256 && d >= Vector256<float>.Count)
        {
            Vector256<float> hi = default, lo = default;
            for (; i <= d - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                hi = SimdPolicy.MultiplyAdd(Vector256.LoadUnsafe(ref positive, (nuint)i), TFormat.Load256(ref maximum, (nuint)i), hi);
                lo = SimdPolicy.MultiplyAdd(Vector256.LoadUnsafe(ref negative, (nuint)i), TFormat.Load256(ref minimum, (nuint)i), lo);
            }

            (upper, lower) = (Vector256.Sum(hi), Vector256.Sum(lo));
        }
        else if (SimdPolicy.Bits >= 128 && d >= Vector128<float>.Count)
        {
            Vector128<float> hi = default, lo = default;
            for (; i <= d - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                hi = SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref positive, (nuint)i), TFormat.Load128(ref maximum, (nuint)i), hi);
                lo = SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref negative, (nuint)i), TFormat.Load128(ref minimum, (nuint)i), lo);
            }

            (upper, lower) = (Vector128.Sum(hi), Vector128.Sum(lo));
        }

        for (; i < d; i++)
        {
            upper += Unsafe.Add(ref positive, i) * TFormat.Load(ref maximum, i);
            lower += Unsafe.Add(ref negative, i) * TFormat.Load(ref minimum, i);
        }

        return (upper, lower);
    }

    /// <summary>
    /// The <paramref name="k"/> highest of <paramref name="bounds"/> (ties: the lower index), as
    /// indexes into it in <paramref name="blocks"/>[0..k), in heap order: a bounded min-heap whose
    /// root is the worst kept, so each candidate costs one comparison unless it enters the heap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int TopBlocks(ReadOnlySpan<float> bounds, int k, float[] heapBounds, int[] blocks)
    {
        k = Math.Min(k, bounds.Length);
        if (k <= 0)
        {
            return 0;
        }

        for (int c = 0; c < k; c++)
        {
            // The first k, sifted up one by one.
            int at = c;
            heapBounds[at] = bounds[c];
            blocks[at] = c;
            while (at > 0)
            {
                int parent = (at - 1) / 2;
                if (!Worse(heapBounds[at], blocks[at], heapBounds[parent], blocks[parent]))
                {
                    break;
                }

                Swap(heapBounds, blocks, at, parent);
                at = parent;
            }
        }

        for (int c = k; c < bounds.Length; c++)
        {
            float bound = bounds[c];

            // Candidates come in ascending index, so an equal bound never beats what is kept.
            if (!(bound > heapBounds[0]))
            {
                continue;
            }

            heapBounds[0] = bound;
            blocks[0] = c;
            int at = 0;
            while (true)
            {
                int left = 2 * at + 1, worst = at;
                if (left < k && Worse(heapBounds[left], blocks[left], heapBounds[worst], blocks[worst]))
                {
                    worst = left;
                }

                if (left + 1 < k && Worse(heapBounds[left + 1], blocks[left + 1], heapBounds[worst], blocks[worst]))
                {
                    worst = left + 1;
                }

                if (worst == at)
                {
                    break;
                }

                Swap(heapBounds, blocks, at, worst);
                at = worst;
            }
        }

        return k;
    }

    /// <summary>a ranks below b: a lower bound, or the same bound and a later block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Worse(float a, int aBlock, float b, int bBlock) => a < b || (a == b && aBlock > bBlock);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Swap(float[] heapBounds, int[] blocks, int a, int b)
    {
        (heapBounds[a], heapBounds[b]) = (heapBounds[b], heapBounds[a]);
        (blocks[a], blocks[b]) = (blocks[b], blocks[a]);
    }

    /// <summary>
    /// Sinks, the chosen candidates' keys inside the middle [g, m), and the recent keys [m, p], in
    /// position order; adjacent pieces merge into one run. Returns how many segments it wrote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int BuildSegments(in QueryAwareSelection selection, int position, ReadOnlySpan<int> picked, byte[] chosen, Span<KeySegment> segments)
    {
        int b = selection.BlockSize, g = selection.SinkTokens, first = selection.FirstCandidate;
        int recent = selection.RecentStart(position), candidates = selection.Candidates(position);
        chosen.AsSpan(0, candidates).Clear();
        foreach (int c in picked)
        {
            chosen[c] = 1;
        }

        int count = 0;
        Add(segments, ref count, 0, Math.Min(g, position + 1));
        for (int c = 0; c < candidates; c++)
        {
            if (chosen[c] != 0)
            {
                int start = Math.Max((first + c) * b, g), end = Math.Min((first + c + 1) * b, recent);
                Add(segments, ref count, start, end - start);
            }
        }

        Add(segments, ref count, recent, position - recent + 1);
        return count;
    }

    private static void Add(Span<KeySegment> segments, ref int count, int start, int length)
    {
        if (length <= 0)
        {
            return;
        }

        if (count > 0 && segments[count - 1].Start + segments[count - 1].Count == start)
        {
            segments[count - 1] = segments[count - 1] with { Count = segments[count - 1].Count + length };
            return;
        }

        segments[count++] = new KeySegment(start, length, 1);
    }

    /// <summary>One KV head's query heads against part <paramref name="part"/> of <paramref name="parts"/> of the selected keys (see <see cref="DecodePair"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeSelectedPair<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, AttentionScratch s, KvCache cache, int layer,
        ReadOnlySpan<float> query, Span<float> output, int kvHead, int part, int parts, ReadOnlySpan<KeySegment> segments)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        int d = micro.HeadDim;
        int[] heads = pattern.Heads(kvHead, 0);
        int rows = heads.Length;
        for (int r = 0; r < rows; r++)
        {
            LoadQuery(query.Slice(heads[r] * d, d), s.Queries.AsSpan(r * d, d));
        }

        Reset(s, rows, d);
        long total = 0;
        foreach (var segment in segments)
        {
            total += segment.Count;
        }

        long from = total * part / parts, to = total * (part + 1) / parts, seen = 0;
        var layout = cache.Layout(layer);
        var head = new CacheHead(cache, layer, kvHead);
        Span<SlotRun> runs = stackalloc SlotRun[3];
        for (int i = 0; i < segments.Length && seen < to; i++)
        {
            var segment = segments[i];
            long skip = Math.Max(0, from - seen), take = Math.Min(segment.Count, to - seen) - skip;
            seen += segment.Count;
            if (take <= 0)
            {
                continue;
            }

            int pieces = layout.ToSlotRuns(segment.Start + (int)skip, (int)take, runs);
            for (int piece = 0; piece < pieces; piece++)
            {
                AttendRun<TMicro, TFormat>(micro, s, 0, rows, head, runs[piece].Slot, runs[piece].Count, 1, NoMask);
            }
        }

        if (parts > 1)
        {
            _partials.Store(kvHead, part, s, rows, d);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            Finish(micro, s, r, output.Slice(heads[r] * d, d));
        }
    }

    private QueryAwareScratch QueryAwareScratchFor(int blockSize)
    {
        var scratch = _queryAware;
        if (scratch is null || scratch.BlockSize > blockSize)
        {
            // Once per engine (and per smaller block size): sized for the longest context.
            _queryAware = scratch = new QueryAwareScratch(_shape.KvHeads, (_shape.MaxSeqLen + blockSize - 1) / blockSize, blockSize, _shape.Dim);
        }

        return scratch;
    }

    /// <summary>The selection's buffers, for every KV head at once: bounds, the heap, chosen flags, segments.</summary>
    internal sealed class QueryAwareScratch
    {
        private readonly int _blocks;

        public QueryAwareScratch(int kvHeads, int blocks, int blockSize, int queryLength)
        {
            _blocks = blocks;
            PositiveQueries = new float[queryLength];
            NegativeQueries = new float[queryLength];
            BlockSize = blockSize;
            Bounds = new float[kvHeads * blocks];
            HeapBounds = new float[blocks];
            HeapBlocks = new int[blocks];
            Chosen = new byte[blocks];
            Segments = new KeySegment[kvHeads * (blocks + 2)];
            SegmentCounts = new int[kvHeads];
        }

        /// <summary>The block size the buffers were sized for (a larger one fits too).</summary>
        public int BlockSize { get; }

        /// <summary>[head][head_dim]: max(q, 0), the part of each query that meets a block's maximum.</summary>
        public float[] PositiveQueries { get; }

        /// <summary>[head][head_dim]: min(q, 0), the part that meets its minimum.</summary>
        public float[] NegativeQueries { get; }

        /// <summary>[kvHead][candidate]: each candidate block's bound.</summary>
        public float[] Bounds { get; }

        public float[] HeapBounds { get; }

        public int[] HeapBlocks { get; }

        public byte[] Chosen { get; }

        /// <summary>[kvHead][segment]: the keys each KV head attends.</summary>
        public KeySegment[] Segments { get; }

        public int[] SegmentCounts { get; }

        public Span<float> BoundsOf(int kvHead) => Bounds.AsSpan(kvHead * _blocks, _blocks);

        public Span<KeySegment> SegmentsOf(int kvHead) => Segments.AsSpan(kvHead * (_blocks + 2), _blocks + 2);
    }

    /// <summary>Bounds of a chunk of one KV head's candidate blocks, handed to the workers (the split queries are in the scratch).</summary>
    private sealed class BoundsJob<TFormat> : IParallelJob
        where TFormat : struct, IKvCacheFormat
    {
        [ThreadStatic]
        private static BoundsJob<TFormat>? _forThisThread;

        private AttentionEngine? _engine;
        private QueryAwareSelection _selection;
        private KvCache? _cache;
        private QueryAwareScratch? _scratch;
        private int _layer, _candidates, _chunks;

        public static BoundsJob<TFormat> ForThisThread => _forThisThread ??= new();

        public void Set(AttentionEngine engine, in QueryAwareSelection selection, KvCache cache, int layer, int candidates, int chunks, QueryAwareScratch scratch)
        {
            (_engine, _selection, _cache, _layer, _scratch) = (engine, selection, cache, layer, scratch);
            (_candidates, _chunks) = (candidates, chunks);
        }

        public void Clear() => (_engine, _cache, _scratch) = (null, null, null);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int item, int worker)
        {
            int kvHead = item / _chunks, chunk = item % _chunks;
            int from = (int)((long)_candidates * chunk / _chunks), to = (int)((long)_candidates * (chunk + 1) / _chunks);
            if (to > from)
            {
                _engine!.BlockBounds<TFormat>(_cache!, _layer, kvHead, _scratch!, _selection.FirstCandidate + from, to - from, _scratch!.BoundsOf(kvHead).Slice(from, to - from));
            }
        }
    }

    /// <summary>Attention over the selected keys, handed to the workers; see <see cref="DecodeJob{TMicro, TPattern, TFormat}"/>.</summary>
    private sealed unsafe class SelectedJob<TMicro, TPattern, TFormat> : IParallelJob
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        [ThreadStatic]
        private static SelectedJob<TMicro, TPattern, TFormat>? _forThisThread;

        private AttentionEngine? _engine;
        private TMicro _micro;
        private TPattern _pattern;
        private KvCache? _cache;
        private QueryAwareScratch? _scratch;
        private int _layer, _queryLength, _outputLength, _parts;
        private float* _query, _output;

        public static SelectedJob<TMicro, TPattern, TFormat> ForThisThread => _forThisThread ??= new();

        public void Set(AttentionEngine engine, in TMicro micro, in TPattern pattern, KvCache cache, int layer,
            float* query, int queryLength, float* output, int outputLength, int parts, QueryAwareScratch scratch)
        {
            (_engine, _micro, _pattern, _cache, _layer, _scratch) = (engine, micro, pattern, cache, layer, scratch);
            _query = query;
            _output = output;
            (_queryLength, _outputLength, _parts) = (queryLength, outputLength, parts);
        }

        public void Clear()
        {
            (_engine, _cache, _scratch) = (null, null, null);
            _query = _output = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int item, int worker)
        {
            int kvHead = item / _parts;
            _engine!.DecodeSelectedPair<TMicro, TPattern, TFormat>(_micro, _pattern, _engine._scratch[worker], _cache!, _layer,
                new ReadOnlySpan<float>(_query, _queryLength), new Span<float>(_output, _outputLength), kvHead, item % _parts, _parts,
                _scratch!.SegmentsOf(kvHead).Slice(0, _scratch.SegmentCounts[kvHead]));
        }
    }
}
