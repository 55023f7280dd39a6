using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Decode for a small head_dim (≤ <see cref="KernelSizes.TwoPassMaxHeadDim"/>, stories260K's 8):
/// a two-pass softmax over chunks of the attended keys instead of an online softmax per block of
/// <see cref="KeyBlock"/>.
/// </summary>
/// <remarks>
/// <para>With head_dim 8 a key is one vector: a block of the online softmax does 64 dot products
/// and then as much bookkeeping again (a max, a rescale test, spans, calls). Here each row pair of
/// a (head class, KV head) pair scores the whole chunk first — several keys per step, their
/// products reduced together into one vector of scores (8 keys per Vector256 by a tree of
/// horizontal adds, 4 per Vector128), the maximum kept in a vector while scoring — then one
/// exp+sum pass (<see cref="OnlineSoftmax.ExpShiftedInPlace"/>) and one value pass. Within a
/// chunk nothing is rescaled (the two-pass softmax of Milakov &amp; Gimelshein 2018, §2); between
/// chunks the output is rescaled at most once per chunk, only when the maximum grows.</para>
/// <para>A chunk is <see cref="KernelSizes.TwoPassChunkKeys"/> keys (2048 for groups of 1 or 2),
/// kept in the worker's score scratch, which is sized for it once: nothing is allocated per call.
/// Pattern segments, ring slot runs and strided keys fill a chunk in order; strided keys are read
/// in place at their stride, not gathered.</para>
/// <para>Split-K keeps working: each part's keys go through the same chunks and leave the same
/// (max, sum, unnormalized output) as the online softmax, which <see cref="PartialState"/> merges.</para>
/// </remarks>
public sealed partial class AttentionEngine
{
    /// <summary>Most runs of keys one chunk collects before it is scored; a chunk with more is scored early.</summary>
    private const int MaxChunkRuns = 16;

    /// <summary>One run of keys in a chunk: <c>Count</c> slots from <c>Slot</c>, <c>Step</c> apart, scored into columns <c>Column</c>...</summary>
    private readonly record struct ChunkRun(int Slot, int Count, int Step, int Column);

    /// <summary>The two-pass counterpart of <c>DecodePair</c>: same work item, same outputs or partial state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodePairTwoPass<TMicro, TPattern, TFormat>(in TMicro micro, in TPattern pattern, AttentionScratch s, KvCache cache, int layer, int position,
        ReadOnlySpan<float> query, Span<float> output, int pair, int part, int parts)
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        int d = micro.HeadDim;
        int kvHead = pair % _shape.KvHeads, headClass = pair / _shape.KvHeads;
        int[] heads = pattern.Heads(kvHead, headClass);
        int rows = heads.Length;
        if (rows == 0)
        {
            if (parts > 1)
            {
                _partials.Store(pair, part, s, 0, d);
            }

            return;
        }

        for (int r = 0; r < rows; r++)
        {
            LoadQuery(query.Slice(heads[r] * d, d), s.Queries.AsSpan(r * d, d));
        }

        Reset(s, rows, d);
        int segments = pattern.Segments(headClass, position, s.Segments);
        long total = 0;
        for (int i = 0; i < segments; i++)
        {
            total += s.Segments[i].Count;
        }

        // Scores of row r, column c at [r * chunk + c]: the scratch holds a tile's rows × KeyBlock, at least this.
        int chunk = Math.Min(KernelSizes.TwoPassChunkKeys(_shape.GroupSize), s.Scores.Length / rows);
        long from = total * part / parts, to = total * (part + 1) / parts, seen = 0;
        var layout = cache.Layout(layer);
        var head = new CacheHead(cache, layer, kvHead);
        Span<SlotRun> slotRuns = stackalloc SlotRun[3];
        Span<ChunkRun> pending = stackalloc ChunkRun[MaxChunkRuns];
        int pendingRuns = 0, filled = 0;
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

            // Strided keys only occur where every position is kept (slot = position); runs of a ring may wrap.
            int pieces = segment.Step != 1 ? 1 : layout.ToSlotRuns(start, (int)take, slotRuns);
            for (int piece = 0; piece < pieces; piece++)
            {
                int slot = segment.Step != 1 ? start : slotRuns[piece].Slot;
                int left = segment.Step != 1 ? (int)take : slotRuns[piece].Count;
                while (left > 0)
                {
                    int n = Math.Min(left, chunk - filled);
                    pending[pendingRuns++] = new ChunkRun(slot, n, segment.Step, filled);
                    filled += n;
                    slot += n * segment.Step;
                    left -= n;
                    if (filled == chunk || pendingRuns == MaxChunkRuns)
                    {
                        AttendChunk<TFormat>(d, s, rows, chunk, head, pending.Slice(0, pendingRuns), filled);
                        pendingRuns = filled = 0;
                    }
                }
            }
        }

        if (filled > 0)
        {
            AttendChunk<TFormat>(d, s, rows, chunk, head, pending.Slice(0, pendingRuns), filled);
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

    /// <summary>
    /// Folds one chunk of keys into the rows' state: per row pair, all scores of the chunk with the
    /// maximum (pass 1), then exp(s − m) and their sum (pass 2); then the values (pass 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendChunk<TFormat>(int d, AttentionScratch s, int rows, int chunk, in CacheHead head, ReadOnlySpan<ChunkRun> runs, int filled)
        where TFormat : struct, IKvCacheFormat
    {
        ref float queries = ref MemoryMarshal.GetArrayDataReference(s.Queries);
        ref float scores = ref MemoryMarshal.GetArrayDataReference(s.Scores);
        ref float outputs = ref MemoryMarshal.GetArrayDataReference(s.Outputs);
        int r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            var (m0, m1) = ScoreChunk<TFormat, TwoRows>(d, ref Unsafe.Add(ref queries, r * d), ref Unsafe.Add(ref scores, r * chunk), chunk, head, runs);
            Normalize(s, r, m0, ref Unsafe.Add(ref scores, r * chunk), filled, ref Unsafe.Add(ref outputs, r * d), d);
            Normalize(s, r + 1, m1, ref Unsafe.Add(ref scores, (r + 1) * chunk), filled, ref Unsafe.Add(ref outputs, (r + 1) * d), d);
        }

        if (r < rows)
        {
            var (m0, _) = ScoreChunk<TFormat, OneRow>(d, ref Unsafe.Add(ref queries, r * d), ref Unsafe.Add(ref scores, r * chunk), chunk, head, runs);
            Normalize(s, r, m0, ref Unsafe.Add(ref scores, r * chunk), filled, ref Unsafe.Add(ref outputs, r * d), d);
        }

        r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            AccumulateChunk<TFormat, TwoRows>(d, ref Unsafe.Add(ref scores, r * chunk), chunk, ref Unsafe.Add(ref outputs, r * d), head, runs);
        }

        if (r < rows)
        {
            AccumulateChunk<TFormat, OneRow>(d, ref Unsafe.Add(ref scores, r * chunk), chunk, ref Unsafe.Add(ref outputs, r * d), head, runs);
        }
    }

    /// <summary>
    /// Pass 2 for one row: the new maximum, the old output and sum rescaled once if it grew, then
    /// exp(s − m) in place and their sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize(AttentionScratch s, int row, float chunkMax, ref float scores, int filled, ref float output, int d)
    {
        float old = s.Max[row];
        float max = Math.Max(old, chunkMax);
        if (max != old && !float.IsNegativeInfinity(old))
        {
            float correction = MathF.Exp(old - max);
            s.Sum[row] *= correction;
            VectorOps.Scale(ref output, correction, d);
        }

        s.Max[row] = max;
        s.Sum[row] += OnlineSoftmax.ExpShiftedInPlace(MemoryMarshal.CreateSpan(ref scores, filled), max);
    }

    /// <summary>How many query rows a pass handles at once, as a type, so the JIT compiles each count separately.</summary>
    private interface IRowCount
    {
        static abstract bool Two { get; }
    }

    private readonly struct OneRow : IRowCount
    {
        public static bool Two => false;
    }

    private readonly struct TwoRows : IRowCount
    {
        public static bool Two => true;
    }

    /// <summary>Which vectors the two-pass loops use: 8 keys a step on Vector256 (head_dim 8 or 16), 4 on Vector128 (a multiple of 4), else one key at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TwoPassWidth(int d) =>
        SimdPolicy.Bits >= 256 && Avx.IsSupported && (d == 8 || d == 16) ? 256 :
        SimdPolicy.Bits >= 128 && Vector128.IsHardwareAccelerated && (d & 3) == 0 ? 128 : 0;

    /// <summary>
    /// Pass 1: the scores of one or two query rows against every run of the chunk, at
    /// <c>scores[row · chunk + column]</c>, key scales applied; returns each row's maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Max0, float Max1) ScoreChunk<TFormat, TRows>(int d, ref float q, ref float scores, int chunk, in CacheHead head, ReadOnlySpan<ChunkRun> runs)
        where TFormat : struct, IKvCacheFormat
        where TRows : struct, IRowCount
    {
        int rowBytes = d * TFormat.ElementBytes;
        ref float q1 = ref Unsafe.Add(ref q, TRows.Two ? d : 0);
        ref float scores1 = ref Unsafe.Add(ref scores, TRows.Two ? chunk : 0);
        int width = TwoPassWidth(d);
        float max0 = float.NegativeInfinity, max1 = float.NegativeInfinity;
        foreach (var run in runs)
        {
            nint stride = (nint)run.Step * rowBytes;
            ref byte keys = ref Unsafe.Add(ref head.Keys, (nint)run.Slot * rowBytes);
            ref float keyScales = ref Unsafe.Add(ref head.KeyScales, TFormat.Scaled ? run.Slot : 0);
            ref float s0 = ref Unsafe.Add(ref scores, run.Column);
            ref float s1 = ref Unsafe.Add(ref scores1, run.Column);
            int t = 0;
            if (width == 256 && run.Count >= 8)
            {
                var qa0 = Vector256.LoadUnsafe(ref q);
                var qb0 = d == 16 ? Vector256.LoadUnsafe(ref q, 8) : default;
                var qa1 = Vector256.LoadUnsafe(ref q1);
                var qb1 = d == 16 ? Vector256.LoadUnsafe(ref q1, 8) : default;
                var best0 = Vector256.Create(float.NegativeInfinity);
                var best1 = best0;
                for (; t + 8 <= run.Count; t += 8)
                {
                    ref byte k = ref Unsafe.AddByteOffset(ref keys, t * stride);
                    Products<TFormat, TRows>(d, ref k, qa0, qb0, qa1, qb1, out var a0, out var b0);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, stride), qa0, qb0, qa1, qb1, out var a1, out var b1);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 2 * stride), qa0, qb0, qa1, qb1, out var a2, out var b2);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 3 * stride), qa0, qb0, qa1, qb1, out var a3, out var b3);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 4 * stride), qa0, qb0, qa1, qb1, out var a4, out var b4);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 5 * stride), qa0, qb0, qa1, qb1, out var a5, out var b5);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 6 * stride), qa0, qb0, qa1, qb1, out var a6, out var b6);
                    Products<TFormat, TRows>(d, ref Unsafe.AddByteOffset(ref k, 7 * stride), qa0, qb0, qa1, qb1, out var a7, out var b7);
                    var sums0 = Sum8(a0, a1, a2, a3, a4, a5, a6, a7);
                    if (TFormat.Scaled)
                    {
                        var scale = run.Step == 1
                            ? Vector256.LoadUnsafe(ref keyScales, (nuint)t)
                            : Vector256.Create(Strided(ref keyScales, t, run.Step, 0), Strided(ref keyScales, t, run.Step, 1), Strided(ref keyScales, t, run.Step, 2), Strided(ref keyScales, t, run.Step, 3),
                                Strided(ref keyScales, t, run.Step, 4), Strided(ref keyScales, t, run.Step, 5), Strided(ref keyScales, t, run.Step, 6), Strided(ref keyScales, t, run.Step, 7));
                        sums0 *= scale;
                        if (TRows.Two)
                        {
                            var sums1 = Sum8(b0, b1, b2, b3, b4, b5, b6, b7) * scale;
                            sums1.StoreUnsafe(ref s1, (nuint)t);
                            best1 = Vector256.Max(best1, sums1);
                        }
                    }
                    else if (TRows.Two)
                    {
                        var sums1 = Sum8(b0, b1, b2, b3, b4, b5, b6, b7);
                        sums1.StoreUnsafe(ref s1, (nuint)t);
                        best1 = Vector256.Max(best1, sums1);
                    }

                    sums0.StoreUnsafe(ref s0, (nuint)t);
                    best0 = Vector256.Max(best0, sums0);
                }

                max0 = Math.Max(max0, HorizontalMax(best0));
                max1 = Math.Max(max1, HorizontalMax(best1));
            }
            else if (width == 128 && run.Count >= 4)
            {
                var best0 = Vector128.Create(float.NegativeInfinity);
                var best1 = best0;
                for (; t + 4 <= run.Count; t += 4)
                {
                    ref byte k0 = ref Unsafe.AddByteOffset(ref keys, t * stride);
                    ref byte k1 = ref Unsafe.AddByteOffset(ref k0, stride);
                    ref byte k2 = ref Unsafe.AddByteOffset(ref k1, stride);
                    ref byte k3 = ref Unsafe.AddByteOffset(ref k2, stride);
                    Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    Vector128<float> b0 = default, b1 = default, b2 = default, b3 = default;
                    for (int i = 0; i < d; i += 4)
                    {
                        var x0 = Vector128.LoadUnsafe(ref q, (nuint)i);
                        var x1 = TRows.Two ? Vector128.LoadUnsafe(ref q1, (nuint)i) : default;
                        var y = TFormat.Load128(ref k0, (nuint)i);
                        a0 = SimdPolicy.MultiplyAdd(x0, y, a0);
                        b0 = TRows.Two ? SimdPolicy.MultiplyAdd(x1, y, b0) : b0;
                        y = TFormat.Load128(ref k1, (nuint)i);
                        a1 = SimdPolicy.MultiplyAdd(x0, y, a1);
                        b1 = TRows.Two ? SimdPolicy.MultiplyAdd(x1, y, b1) : b1;
                        y = TFormat.Load128(ref k2, (nuint)i);
                        a2 = SimdPolicy.MultiplyAdd(x0, y, a2);
                        b2 = TRows.Two ? SimdPolicy.MultiplyAdd(x1, y, b2) : b2;
                        y = TFormat.Load128(ref k3, (nuint)i);
                        a3 = SimdPolicy.MultiplyAdd(x0, y, a3);
                        b3 = TRows.Two ? SimdPolicy.MultiplyAdd(x1, y, b3) : b3;
                    }

                    var scale = Vector128<float>.One;
                    if (TFormat.Scaled)
                    {
                        scale = Vector128.Create(Strided(ref keyScales, t, run.Step, 0), Strided(ref keyScales, t, run.Step, 1),
                            Strided(ref keyScales, t, run.Step, 2), Strided(ref keyScales, t, run.Step, 3));
                    }

                    var sums0 = Microkernels.Reduce4(a0, a1, a2, a3);
                    sums0 = TFormat.Scaled ? sums0 * scale : sums0;
                    sums0.StoreUnsafe(ref s0, (nuint)t);
                    best0 = Vector128.Max(best0, sums0);
                    if (TRows.Two)
                    {
                        var sums1 = Microkernels.Reduce4(b0, b1, b2, b3);
                        sums1 = TFormat.Scaled ? sums1 * scale : sums1;
                        sums1.StoreUnsafe(ref s1, (nuint)t);
                        best1 = Vector128.Max(best1, sums1);
                    }
                }

                max0 = Math.Max(max0, HorizontalMax(best0));
                max1 = Math.Max(max1, HorizontalMax(best1));
            }

            // The run's last keys (and every key on the scalar path or an odd head_dim) one at a time.
            for (; t < run.Count; t++)
            {
                ref byte k = ref Unsafe.AddByteOffset(ref keys, t * stride);
                float scale = TFormat.Scaled ? Strided(ref keyScales, t, run.Step, 0) : 1f;
                float score0 = CacheVectorOps<TFormat>.Dot(ref q, ref k, d) * scale;
                Unsafe.Add(ref s0, t) = score0;
                max0 = Math.Max(max0, score0);
                if (TRows.Two)
                {
                    float score1 = CacheVectorOps<TFormat>.Dot(ref q1, ref k, d) * scale;
                    Unsafe.Add(ref s1, t) = score1;
                    max1 = Math.Max(max1, score1);
                }
            }
        }

        return (max0, max1);
    }

    /// <summary>
    /// Pass 3: <c>o_r += Σ p_rc · v_c</c> over the chunk's runs for one or two rows, a value scale
    /// (int8) folded into its weight. On Vector256 the rows' outputs stay in registers for the chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateChunk<TFormat, TRows>(int d, ref float p, int chunk, ref float o, in CacheHead head, ReadOnlySpan<ChunkRun> runs)
        where TFormat : struct, IKvCacheFormat
        where TRows : struct, IRowCount
    {
        int rowBytes = d * TFormat.ElementBytes;
        ref float p1 = ref Unsafe.Add(ref p, TRows.Two ? chunk : 0);
        ref float o1 = ref Unsafe.Add(ref o, TRows.Two ? d : 0);
        if (TwoPassWidth(d) == 256)
        {
            var a0 = Vector256.LoadUnsafe(ref o);
            var b0 = d == 16 ? Vector256.LoadUnsafe(ref o, 8) : default;
            var a1 = TRows.Two ? Vector256.LoadUnsafe(ref o1) : default;
            var b1 = TRows.Two && d == 16 ? Vector256.LoadUnsafe(ref o1, 8) : default;
            foreach (var run in runs)
            {
                nint stride = (nint)run.Step * rowBytes;
                ref byte v = ref Unsafe.Add(ref head.Values, (nint)run.Slot * rowBytes);
                ref float valueScales = ref Unsafe.Add(ref head.ValueScales, TFormat.Scaled ? run.Slot : 0);
                ref float w0 = ref Unsafe.Add(ref p, run.Column);
                ref float w1 = ref Unsafe.Add(ref p1, run.Column);
                for (int t = 0; t < run.Count; t++, v = ref Unsafe.AddByteOffset(ref v, stride))
                {
                    float scale = TFormat.Scaled ? Strided(ref valueScales, t, run.Step, 0) : 1f;
                    var x0 = Vector256.Create(TFormat.Scaled ? Unsafe.Add(ref w0, t) * scale : Unsafe.Add(ref w0, t));
                    var y = TFormat.Load256(ref v, 0);
                    a0 = SimdPolicy.MultiplyAdd(x0, y, a0);
                    var x1 = TRows.Two ? Vector256.Create(TFormat.Scaled ? Unsafe.Add(ref w1, t) * scale : Unsafe.Add(ref w1, t)) : default;
                    if (TRows.Two)
                    {
                        a1 = SimdPolicy.MultiplyAdd(x1, y, a1);
                    }

                    if (d == 16)
                    {
                        y = TFormat.Load256(ref v, 8);
                        b0 = SimdPolicy.MultiplyAdd(x0, y, b0);
                        if (TRows.Two)
                        {
                            b1 = SimdPolicy.MultiplyAdd(x1, y, b1);
                        }
                    }
                }
            }

            a0.StoreUnsafe(ref o);
            if (d == 16)
            {
                b0.StoreUnsafe(ref o, 8);
            }

            if (TRows.Two)
            {
                a1.StoreUnsafe(ref o1);
                if (d == 16)
                {
                    b1.StoreUnsafe(ref o1, 8);
                }
            }

            return;
        }

        foreach (var run in runs)
        {
            nint stride = (nint)run.Step * rowBytes;
            ref byte v = ref Unsafe.Add(ref head.Values, (nint)run.Slot * rowBytes);
            ref float valueScales = ref Unsafe.Add(ref head.ValueScales, TFormat.Scaled ? run.Slot : 0);
            for (int t = 0; t < run.Count; t++, v = ref Unsafe.AddByteOffset(ref v, stride))
            {
                float scale = TFormat.Scaled ? Strided(ref valueScales, t, run.Step, 0) : 1f;
                CacheVectorOps<TFormat>.MultiplyAdd(ref o, Unsafe.Add(ref p, run.Column + t) * scale, ref v, d);
                if (TRows.Two)
                {
                    CacheVectorOps<TFormat>.MultiplyAdd(ref o1, Unsafe.Add(ref p1, run.Column + t) * scale, ref v, d);
                }
            }
        }
    }

    /// <summary>One key against one or two rows: the products as 8 partial sums per row (head_dim 8 or 16, Vector256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Products<TFormat, TRows>(int d, ref byte key, Vector256<float> qa0, Vector256<float> qb0, Vector256<float> qa1, Vector256<float> qb1,
        out Vector256<float> row0, out Vector256<float> row1)
        where TFormat : struct, IKvCacheFormat
        where TRows : struct, IRowCount
    {
        var ka = TFormat.Load256(ref key, 0);
        row0 = ka * qa0;
        row1 = TRows.Two ? ka * qa1 : default;
        if (d == 16)
        {
            var kb = TFormat.Load256(ref key, 8);
            row0 = SimdPolicy.MultiplyAdd(kb, qb0, row0);
            row1 = TRows.Two ? SimdPolicy.MultiplyAdd(kb, qb1, row1) : default;
        }
    }

    /// <summary>[Σa0, …, Σa7]: three rounds of horizontal adds and one cross-lane add instead of eight horizontal sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sum8(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        var low = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        var high = Avx.HorizontalAdd(Avx.HorizontalAdd(a4, a5), Avx.HorizontalAdd(a6, a7));
        return Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
    }

    /// <summary>Element <c>(t + j) · step</c> of a per-slot table (key or value scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Strided(ref float table, int t, int step, int j) => Unsafe.Add(ref table, (nint)(t + j) * step);

    private static float HorizontalMax(Vector256<float> v) => HorizontalMax(Vector128.Max(v.GetLower(), v.GetUpper()));

    private static float HorizontalMax(Vector128<float> v) =>
        Math.Max(Math.Max(v.GetElement(0), v.GetElement(1)), Math.Max(v.GetElement(2), v.GetElement(3)));
}
