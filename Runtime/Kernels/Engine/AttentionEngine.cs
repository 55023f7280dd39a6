using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelGen.Caching;
using KernelGen.Threading;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Runs decode and prefill for any microkernels and pattern: the loop structure every kernel set
/// shares. It is generic over both as structs, so the JIT compiles a copy per pairing in which
/// the generated kernels' constants (head_dim, pattern parameters) fold.
/// </summary>
/// <remarks>
/// <para>A unit of work is a set of rows — query heads of one KV head (decode), or positions ×
/// heads of a tile (prefill) — against a run of keys. Rows are loaded once, pre-scaled by
/// 1/√head_dim; keys come in blocks of <see cref="KeyBlock"/>; for each block the microkernels
/// compute the rows' scores (each key loaded once for every row of the group), the block is
/// folded into each row's online softmax (Milakov &amp; Gimelshein 2018), and the probabilities
/// are multiplied into the values (each value loaded once for every row). That is
/// FlashAttention's loop (Dao et al. 2022) and, for MQA/GQA, the reason the KV cache is read
/// once per group rather than once per head (Shazeer 2019).</para>
/// <para>Keys come from the pattern: decode segments and prefill ranges enumerate exactly the
/// attended keys, so nothing outside the pattern is loaded. Prefill masks only blocks on a
/// range's edge (the causal diagonal, a window's far end); strided keys are visited per
/// position, each query meeting only its own keys.</para>
/// <para>Each run of keys takes one of two algorithms, by the rows it has (<see cref="AttentionAlgorithms"/>,
/// the rule the planner also states in the generated header): row-dot, the microkernels' dot products
/// along head_dim, for few rows; packed GEMM (<see cref="PackedAttention"/>) for many — a KV group's
/// stacked heads in MQA decode, prefill tiles — where Kᵀ packed once per block (and compressed values
/// widened once) is shared by every row.</para>
/// <para>Work large enough to pay for it runs on every core (<see cref="WorkerPool"/>): prefill
/// as (tile, head class, KV head) items, heaviest first; decode as (head class, KV head) items
/// when there are enough of them, otherwise each one's keys split between the cores, whose
/// partial softmax states are merged at the end (flash-decoding).</para>
/// </remarks>
public sealed partial class AttentionEngine
{
    /// <summary>Keys per block: the scores of a tile's rows for one block stay in L1.</summary>
    public const int KeyBlock = KernelSizes.KeyBlock;

    /// <summary>Multiply-adds below which a call stays on the calling thread: waking workers would cost more.</summary>
    public const long ParallelThreshold = 1L << 18;

    private readonly ModelShape _shape;
    private readonly float _scale;
    private readonly WorkerPool _pool;
    private readonly AttentionScratch[] _scratch;
    private readonly PartialState _partials;

    /// <summary>Creates an engine (and its scratch) for <paramref name="shape"/>.</summary>
    /// <param name="shape">The model shape.</param>
    /// <param name="queryTile">Positions per prefill tile.</param>
    /// <param name="maxSegments">Most segments or ranges one query or tile can produce.</param>
    /// <param name="pool">Threads to run on; <see cref="WorkerPool.ForNewKernels"/> (by default the shared pool) when null.</param>
    public AttentionEngine(ModelShape shape, int queryTile, int maxSegments, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queryTile);
        _shape = shape;
        QueryTile = queryTile;
        _scale = 1f / MathF.Sqrt(shape.HeadDim);
        _pool = pool ?? WorkerPool.ForNewKernels;
        _scratch = new AttentionScratch[_pool.Workers];
        for (int worker = 0; worker < _scratch.Length; worker++)
        {
            _scratch[worker] = new AttentionScratch(queryTile * shape.GroupSize, shape.HeadDim, KeyBlock, Math.Max(2, maxSegments));
        }

        _partials = new PartialState(shape, _pool.Workers);
        ForceAlgorithm(null);
    }

    /// <summary>Positions per prefill tile.</summary>
    public int QueryTile { get; }

    /// <summary>Makes every run take <paramref name="algorithm"/> (null: the cost model's choice), so tests cover both on any shape.</summary>
    internal void ForceAlgorithm(AttentionAlgorithm? algorithm)
    {
        foreach (var scratch in _scratch)
        {
            for (int format = 0; format < scratch.PackedFromRows.Length; format++)
            {
                scratch.PackedFromRows[format] = algorithm switch
                {
                    AttentionAlgorithm.PackedGemm => 0,
                    AttentionAlgorithm.RowDot => int.MaxValue,
                    _ => AttentionAlgorithms.PackedFromRows(_shape.HeadDim, SimdPolicy.Bits, (KvCacheFormat)format),
                };
            }
        }
    }

    /// <summary>
    /// Folds a run of keys — <paramref name="count"/> of them from <paramref name="firstSlot"/>,
    /// <paramref name="step"/> apart — into rows <paramref name="firstRow"/>.. of the scratch. Keys
    /// and values are in <typeparamref name="TFormat"/>; a scaled format's key scales multiply the
    /// block's scores and its value scales the block's weights, once per key, not per number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendRun<TMicro, TFormat>(in TMicro micro, AttentionScratch s, int firstRow, int rows,
        in CacheHead head, int firstSlot, int count, int step, in Mask mask)
        where TMicro : struct, IAttentionMicrokernels
        where TFormat : struct, IKvCacheFormat
    {
        // The planner's rule (AttentionAlgorithms' cost model), applied to this call's rows; decode's
        // unmasked stacks of 32 rows on a float32 cache take the packed algorithm key-major, packing no keys.
        if (rows >= s.PackedFromRows[(int)TFormat.Format])
        {
            if (!mask.IsActive && KeyMajorAttention.Applies(rows, step, TFormat.Format))
            {
                AttendRunKeyMajor(micro, s, firstRow, head, firstSlot, count);
            }
            else
            {
                AttendRunPacked<TMicro, TFormat>(micro, s, firstRow, rows, head, firstSlot, count, step, mask);
            }

            return;
        }

        int d = micro.HeadDim;
        int rowBytes = d * TFormat.ElementBytes;
        ref float queries = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Queries), firstRow * d);
        ref float outputs = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Outputs), firstRow * d);
        ref float scores = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Scores), firstRow * KeyBlock);
        for (int block = 0; block < count; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, count - block);
            ref byte k = ref Unsafe.Add(ref head.Keys, (firstSlot + block) * rowBytes);
            ref byte v = ref Unsafe.Add(ref head.Values, (firstSlot + block) * rowBytes);
            ref float keyScales = ref Unsafe.Add(ref head.KeyScales, TFormat.Scaled ? firstSlot + block : 0);
            ref float valueScales = ref Unsafe.Add(ref head.ValueScales, TFormat.Scaled ? firstSlot + block : 0);
            if (step != 1)
            {
                // Strided keys are gathered (still compressed) so the microkernels see contiguous rows.
                for (int t = 0; t < n; t++)
                {
                    int slot = firstSlot + (block + t) * step;
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref head.Keys, slot * rowBytes), rowBytes).CopyTo(s.GatheredKeys.AsSpan(t * rowBytes, rowBytes));
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref head.Values, slot * rowBytes), rowBytes).CopyTo(s.GatheredValues.AsSpan(t * rowBytes, rowBytes));
                    if (TFormat.Scaled)
                    {
                        s.GatheredKeyScales[t] = Unsafe.Add(ref head.KeyScales, slot);
                        s.GatheredValueScales[t] = Unsafe.Add(ref head.ValueScales, slot);
                    }
                }

                k = ref MemoryMarshal.GetArrayDataReference(s.GatheredKeys);
                v = ref MemoryMarshal.GetArrayDataReference(s.GatheredValues);
                keyScales = ref MemoryMarshal.GetArrayDataReference(s.GatheredKeyScales);
                valueScales = ref MemoryMarshal.GetArrayDataReference(s.GatheredValueScales);
            }

            if (!mask.RowsFor(firstRow, rows, block, n, out int from, out int active, out bool masked))
            {
                continue;
            }

            ref float q = ref Unsafe.Add(ref queries, from * d);
            ref float o = ref Unsafe.Add(ref outputs, from * d);
            ref float p = ref Unsafe.Add(ref scores, from * KeyBlock);
            if (step == 1)
            {
                PrefetchBlock(ref v, n * rowBytes);
            }

            micro.Scores<TFormat>(ref q, active, ref k, n, ref p, KeyBlock);
            if (TFormat.Scaled)
            {
                // q·(s_j k_j) = s_j (q·k_j): one multiply per key and row.
                ScaleColumns(ref p, active, n, ref keyScales);
            }

            if (masked)
            {
                mask.Apply(ref p, firstRow + from, active, block, n);
            }

            Softmax(micro, s, firstRow + from, active, n, ref p, ref o);

            if (TFormat.Scaled)
            {
                // p_j (s_j v_j) = (p_j s_j) v_j: the sum above already holds the unscaled weights.
                ScaleColumns(ref p, active, n, ref valueScales);
            }

            if (step == 1)
            {
                PrefetchNextKeys(ref k, block, count, rowBytes);
            }

            micro.Accumulate<TFormat>(ref p, KeyBlock, active, ref v, n, ref o);
        }
    }

    /// <summary>
    /// <see cref="AttendRun{TMicro, TFormat}"/> by the packed algorithm
    /// (<see cref="AttentionAlgorithm.PackedGemm"/>): per block, Kᵀ packed once (widened, key scales
    /// folded), the rows' scores as a register-tiled GEMM on it, the online softmax (exp and sum in
    /// one pass, outputs rescaled only when a row's maximum grows), then P·V as a register-tiled GEMM
    /// on the f32 cache's values or, for a compressed cache, on the block's values widened once
    /// (value scales folded). Strided keys are packed straight from their slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendRunPacked<TMicro, TFormat>(in TMicro micro, AttentionScratch s, int firstRow, int rows,
        in CacheHead head, int firstSlot, int count, int step, in Mask mask)
        where TMicro : struct, IAttentionMicrokernels
        where TFormat : struct, IKvCacheFormat
    {
        int d = micro.HeadDim;
        nint rowBytes = d * TFormat.ElementBytes, keyStride = rowBytes * step;
        ref float queries = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Queries), firstRow * d);
        ref float outputs = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Outputs), firstRow * d);
        ref float scores = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Scores), firstRow * KeyBlock);
        ref float packedKeys = ref MemoryMarshal.GetArrayDataReference(s.PackedKeys);
        ref float packedValues = ref MemoryMarshal.GetArrayDataReference(s.PackedValues);
        bool prefetch = step == 1 && rows <= PrefetchedPackedRows;
        for (int block = 0; block < count; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, count - block);
            if (!mask.RowsFor(firstRow, rows, block, n, out int from, out int active, out bool masked))
            {
                continue;
            }

            ref float q = ref Unsafe.Add(ref queries, from * d);
            ref float o = ref Unsafe.Add(ref outputs, from * d);
            ref float p = ref Unsafe.Add(ref scores, from * KeyBlock);
            int slot = firstSlot + block * step;
            ref byte k = ref Unsafe.Add(ref head.Keys, slot * rowBytes);
            ref byte v = ref Unsafe.Add(ref head.Values, slot * rowBytes);
            if (prefetch)
            {
                PrefetchBlock(ref v, n * rowBytes);
            }

            PackedAttention.PackKeys<TMicro, TFormat>(micro, ref k, keyStride, ref Unsafe.Add(ref head.KeyScales, TFormat.Scaled ? slot : 0), step, n, ref packedKeys);
            if (prefetch)
            {
                PrefetchNextKeys(ref k, block, count, rowBytes);
            }

            ref float values = ref Unsafe.As<byte, float>(ref v);
            nint valueStride = (nint)d * step;
            if (TFormat.Format != KvCacheFormat.Float32)
            {
                PackedAttention.PackValues<TMicro, TFormat>(micro, ref v, keyStride, ref Unsafe.Add(ref head.ValueScales, TFormat.Scaled ? slot : 0), step, n, ref packedValues);
                values = ref packedValues;
                valueStride = d;
            }

            // The packed block serves the rows a chunk at a time, each chunk's scores, softmax and
            // products done while its scores (ChunkRows × KeyBlock floats) are still in L1.
            for (int chunk = 0; chunk < active; chunk += ChunkRows)
            {
                int chunkRows = Math.Min(ChunkRows, active - chunk);
                ref float pc = ref Unsafe.Add(ref p, chunk * KeyBlock);
                ref float oc = ref Unsafe.Add(ref o, chunk * d);
                PackedAttention.Scores(micro, ref Unsafe.Add(ref q, chunk * d), chunkRows, ref packedKeys, n, ref pc);
                if (masked)
                {
                    mask.Apply(ref pc, firstRow + from + chunk, chunkRows, block, n);
                }

                Softmax(micro, s, firstRow + from + chunk, chunkRows, n, ref pc, ref oc);
                PackedAttention.Accumulate(micro, ref pc, chunkRows, n, ref values, valueStride, ref oc);
            }
        }
    }

    /// <summary>
    /// Rows of a packed run that take one key block through scores, softmax and products before the
    /// next rows do: ten of the 6-row register tiles, whose scores (15 KB) stay in L1 from the GEMM that
    /// writes them to the one that reads them. A 256-row prefill tile done in one pass had 64 KB of
    /// scores going through L2 three times per block.
    /// </summary>
    private const int ChunkRows = 60;

    /// <summary>
    /// <see cref="AttendRun{TMicro, TFormat}"/> for a 32-row stack on a float32 cache by
    /// <see cref="KeyMajorAttention"/>: Qᵀ packed once, each block's keys read where they lie, the
    /// softmax down the keys with a row per lane, P·V the packed GEMM on key-major probabilities.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendRunKeyMajor<TMicro>(in TMicro micro, AttentionScratch s, int firstRow, in CacheHead head, int firstSlot, int count)
        where TMicro : struct, IAttentionMicrokernels
    {
        const int Rows = KeyMajorAttention.Rows;
        int d = micro.HeadDim;
        nint rowBytes = d * sizeof(float);
        ref float outputs = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Outputs), firstRow * d);
        ref float scores = ref MemoryMarshal.GetArrayDataReference(s.Scores);
        ref float max = ref s.Max[firstRow];
        ref float sum = ref s.Sum[firstRow];
        ref float queries = ref MemoryMarshal.GetArrayDataReference(s.PackedKeys);
        KeyMajorAttention.PackQueries(micro, ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Queries), firstRow * d), ref queries);
        for (int block = 0; block < count; block += KeyBlock)
        {
            int n = Math.Min(KeyBlock, count - block);
            ref byte k = ref Unsafe.Add(ref head.Keys, (firstSlot + block) * rowBytes);
            ref byte v = ref Unsafe.Add(ref head.Values, (firstSlot + block) * rowBytes);
            PrefetchBlock(ref v, n * rowBytes);
            KeyMajorAttention.Scores(micro, ref queries, ref Unsafe.As<byte, float>(ref k), n, ref scores);
            KeyMajorAttention.Softmax(micro, ref scores, n, ref max, ref sum, ref outputs);
            PrefetchNextKeys(ref k, block, count, rowBytes);
            PackedAttention.Accumulate<TMicro, KeyMajorScores>(micro, ref scores, Rows, n, ref Unsafe.As<byte, float>(ref v), d, ref outputs);
        }
    }

    /// <summary>
    /// Most rows for which the packed algorithm prefetches its blocks (<see cref="PrefetchBlock"/>): up
    /// to here (decode, a KV group's query heads stacked) a block's products take less time than its
    /// bytes take to come from memory; prefill tiles have up to 256 rows, and find their blocks in cache.
    /// </summary>
    private const int PrefetchedPackedRows = 32;

    /// <summary>
    /// Asks for <paramref name="bytes"/> from <paramref name="start"/> a block ahead of need: the block of
    /// the other stream (the values while the keys are scored, the next keys while the values are added).
    /// A run alternates between its keys and its values every <see cref="KeyBlock"/> keys, and without
    /// this each switch found the other stream's block still in memory. On a 2-core
    /// Zen 5 (AVX-512, f32 cache, head_dim 128) this took MHA decode (32 KV heads) at 4K and 32K from
    /// 3.0 and 27.5 ms to 2.6 and 22.5–23.4, MQA at 32K from 2.05–2.12 to 1.85 ms; GQA (8 KV heads) at
    /// 16K and MQA at 16K did not change. Callers stay inside the run, so every address is in the cache's
    /// array; a prefetch is a hint and never faults. Nothing without SSE (hardware intrinsics off, or not x86).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchBlock(ref byte start, nint bytes)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        byte* p = (byte*)Unsafe.AsPointer(ref start);
        for (nint i = 0; i < bytes; i += 64)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + i);
        }
    }

    /// <summary><see cref="PrefetchBlock"/> of the run's block after the one at key <paramref name="block"/> of <paramref name="count"/> (<paramref name="keys"/> its first key's bytes); nothing after the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchNextKeys(ref byte keys, int block, int count, nint rowBytes)
    {
        int next = Math.Min(KeyBlock, count - block - KeyBlock);
        if (next > 0)
        {
            PrefetchBlock(ref Unsafe.Add(ref keys, KeyBlock * rowBytes), next * rowBytes);
        }
    }

    /// <summary>
    /// The online softmax over one block of a run's rows: every row's maximum raised first (its
    /// output rescaled when it grows), then every row's exps, so no exp waits on a maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Softmax<TMicro>(in TMicro micro, AttentionScratch s, int firstRow, int rows, int n, ref float scores, ref float outputs)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        ref float max = ref s.Max[firstRow];
        ref float sum = ref s.Sum[firstRow];
        for (int r = 0; r < rows; r++)
        {
            float correction = OnlineSoftmax.RaiseMax(
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref scores, r * KeyBlock), n), ref Unsafe.Add(ref max, r), ref Unsafe.Add(ref sum, r));
            if (correction != 1f)
            {
                micro.Scale(ref Unsafe.Add(ref outputs, r * d), correction);
            }
        }

        for (int r = 0; r < rows; r++)
        {
            OnlineSoftmax.AddExp(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref scores, r * KeyBlock), n), Unsafe.Add(ref max, r), ref Unsafe.Add(ref sum, r));
        }
    }

    /// <summary><c>scores[r, c] *= scales[c]</c> over a block's rows.</summary>
    private static void ScaleColumns(ref float scores, int rows, int n, ref float scales)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref scores, r * KeyBlock);
            for (int c = 0; c < n; c++)
            {
                Unsafe.Add(ref row, c) *= Unsafe.Add(ref scales, c);
            }
        }
    }

    /// <summary>One KV head of one layer: its keys and values (in the cache's format) and, for int8, their scales.</summary>
    private readonly ref struct CacheHead
    {
        public CacheHead(KvCache cache, int layer, int kvHead)
        {
            Keys = ref cache.KeyBytesRef(layer, kvHead);
            Values = ref cache.ValueBytesRef(layer, kvHead);
            KeyScales = ref cache.KeyScalesRef(layer, kvHead);
            ValueScales = ref cache.ValueScalesRef(layer, kvHead);
        }

        public readonly ref byte Keys;
        public readonly ref byte Values;
        public readonly ref float KeyScales;
        public readonly ref float ValueScales;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadQuery(ReadOnlySpan<float> source, Span<float> target)
    {
        // Pre-scaling the query by 1/√head_dim spares a multiply per score.
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = source[i] * _scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reset(AttentionScratch s, int rows, int d)
    {
        s.Outputs.AsSpan(0, rows * d).Clear();
        s.Max.AsSpan(0, rows).Fill(float.NegativeInfinity);
        s.Sum.AsSpan(0, rows).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Finish<TMicro>(in TMicro micro, AttentionScratch s, int row, Span<float> target)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        ref float source = ref s.Outputs[row * d];
        micro.Scale(ref source, 1f / s.Sum[row]);
        MemoryMarshal.CreateReadOnlySpan(ref source, d).CopyTo(target);
    }

    /// <summary>
    /// Which scores of a prefill run fall outside their range: query i (row r of the tile is
    /// position tile + r / perPosition) attends key j only when min ≤ i − j ≤ max.
    /// </summary>
    private readonly struct Mask
    {
        private readonly int _tile;
        private readonly int _last;
        private readonly int _perPosition;
        private readonly int _firstKey;
        private readonly int _min;
        private readonly int _max;

        public Mask(int tile, int last, int perPosition, int firstKey, int min, int max)
        {
            _tile = tile;
            _last = last;
            _perPosition = perPosition;
            _firstKey = firstKey;
            _min = min;
            _max = max;
            IsActive = true;
        }

        public bool IsActive { get; }

        public bool Needed(int block, int n) => KeySegments.NeedsMask(_tile, _last, _firstKey + block, n, _min, _max);

        /// <summary>
        /// The rows of a run's <paramref name="rows"/> that take the block: all, unmasked, when the mask
        /// is inactive or excludes none of its keys; else those that see at least one of its keys, masked;
        /// false when none does. Rows are ordered by position, so they are one range (relative to
        /// <paramref name="firstRow"/>): the rows before it (a causal tile's rows above the block) or after
        /// it (a window's rows past it) would only add masked scores, and are skipped — in a tile of 256
        /// rows on the diagonal, three quarters of the masked work.
        /// </summary>
        public bool RowsFor(int firstRow, int rows, int block, int n, out int from, out int count, out bool masked)
        {
            from = 0;
            count = rows;
            masked = IsActive && Needed(block, n);
            if (!masked)
            {
                return true;
            }

            long firstKey = (long)_firstKey + block, lastKey = firstKey + n - 1;
            long lowest = firstKey + _min, highest = lastKey + _max;
            long start = (lowest - _tile) * _perPosition - firstRow;
            long end = highest >= _last ? rows : (highest - _tile + 1) * _perPosition - firstRow;
            from = (int)Math.Clamp(start, 0, rows);
            count = (int)Math.Clamp(end, 0, rows) - from;
            return count > 0;
        }

        public void Apply(ref float scores, int firstRow, int rows, int block, int n)
        {
            long firstKey = (long)_firstKey + block, lastKey = firstKey + n - 1;
            for (int r = 0; r < rows; r++)
            {
                int position = _tile + (firstRow + r) / _perPosition;
                if (position - lastKey >= _min && position - firstKey <= _max)
                {
                    continue; // the row sees every key of the block
                }

                ref float row = ref Unsafe.Add(ref scores, r * KeyBlock);
                for (int t = 0; t < n; t++)
                {
                    int distance = position - (_firstKey + block + t);
                    if (distance < _min || distance > _max)
                    {
                        Unsafe.Add(ref row, t) = float.NegativeInfinity;
                    }
                }
            }
        }
    }
}
