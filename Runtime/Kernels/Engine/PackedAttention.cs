using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>A count known when the JIT compiles a kernel: tests on it fold, so one source serves every tile height.</summary>
internal interface ITileCount
{
    static abstract int Count { get; }
}

internal readonly struct Tile1 : ITileCount { public static int Count => 1; }

internal readonly struct Tile2 : ITileCount { public static int Count => 2; }

internal readonly struct Tile3 : ITileCount { public static int Count => 3; }

internal readonly struct Tile4 : ITileCount { public static int Count => 4; }

internal readonly struct Tile5 : ITileCount { public static int Count => 5; }

internal readonly struct Tile6 : ITileCount { public static int Count => 6; }

/// <summary>Where a block's probability for row r and key c lies: at r · RowStride + c · KeyStride.</summary>
internal interface IScoreLayout
{
    static abstract int RowStride { get; }

    static abstract int KeyStride { get; }
}

/// <summary>Row by row, a key block's scores of one row contiguous (the packed-GEMM and row-dot layout).</summary>
internal readonly struct RowMajorScores : IScoreLayout
{
    public static int RowStride => KernelSizes.KeyBlock;

    public static int KeyStride => 1;
}

/// <summary>Key by key, one key's scores of a 32-row decode stack contiguous (<see cref="KeyMajorAttention"/>).</summary>
internal readonly struct KeyMajorScores : IScoreLayout
{
    public static int RowStride => 1;

    public static int KeyStride => KeyMajorAttention.Rows;
}

/// <summary>
/// The packed-GEMM algorithm's operations (<see cref="AttentionAlgorithm.PackedGemm"/>): a key block
/// packed once, transposed and widened, so keys lie along the lanes; scores as a register-tiled GEMM
/// on it (broadcast q[r, i], multiply-add the packed row i: no horizontal sums); P·V as a register-tiled
/// GEMM whose output tile stays in registers across the block's keys. Tiles follow
/// <see cref="AttentionAlgorithms.Tile"/>, whose remarks hold the register budget of each path.
/// </summary>
/// <remarks>
/// <para>Packing K transposed once per key tile so the tile is the SIMD dimension is what
/// llama.cpp's ggml-cpu tiled flash attention does; stacking a KV group's query heads as the GEMM's
/// rows is vLLM's CPU decode. With G rows per call each stored number is widened once per block
/// instead of G/2 times.</para>
/// <para>Every kernel is generic over the microkernel struct and reads head_dim as <c>micro.HeadDim</c>:
/// for generated microkernels a constant, so the JIT, compiling a copy per struct, folds it into
/// the loop bounds and the row offsets (r · head_dim); for the generic kernels a field. Row tiles of fewer than 6 rows and column passes of fewer vectors are the
/// same source instantiated with a smaller <see cref="ITileCount"/>.</para>
/// </remarks>
internal static class PackedAttention
{
    private const int KeyBlock = KernelSizes.KeyBlock;

    /// <summary>Score-tile vectors of each path's kernels; equal to <see cref="AttentionAlgorithms.Tile"/> (tested).</summary>
    public static int KernelVectors(int bits) => bits >= 512 ? 4 : 2;

    /// <summary>Score-tile rows of every path's kernels.</summary>
    public const int KernelRows = 6;

    /// <summary>
    /// <c>kt[i · KeyBlock + c] = scale_c · k_c[i]</c> for c &lt; <paramref name="n"/>, i &lt; head_dim;
    /// columns n..KeyBlock are zeros. Key c is <paramref name="k"/> + c · <paramref name="keyStride"/> bytes;
    /// its scale (a scaled format's) <paramref name="scales"/>[c · <paramref name="scaleStride"/>].
    /// On the Vector512 path 16 keys × 16 numbers are transposed in registers at a time: 16 widening
    /// loads, 64 shuffles, 16 stores for 256 numbers, where 4 × 4 blocks (the other paths, and the
    /// keys and numbers left over) take four loads, eight shuffles and four stores for 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackKeys<TMicro, TFormat>(in TMicro micro, ref byte k, nint keyStride, ref float scales, nint scaleStride, int n, ref float kt)
        where TMicro : struct, IAttentionMicrokernels
        where TFormat : struct, IKvCacheFormat
    {
        int d = micro.HeadDim;
        int c = 0;
        if (SimdPolicy.Bits >= 512 && Avx512F.IsSupported && d >= 16)
        {
            int wide = d & ~15;
            for (; c + 16 <= n; c += 16)
            {
                ref byte k0 = ref Unsafe.Add(ref k, c * keyStride);
                ref float column = ref Unsafe.Add(ref kt, c);
                var scale = TFormat.Scaled ? Gather16(ref Unsafe.Add(ref scales, c * scaleStride), scaleStride) : Vector512<float>.One;
                for (int i = 0; i < wide; i += 16)
                {
                    Pack16x16<TFormat>(ref k0, keyStride, i, scale, ref Unsafe.Add(ref column, i * KeyBlock));
                }

                for (int group = 0; group < 16 && wide < d; group += 4)
                {
                    Pack4Keys<TFormat>(ref Unsafe.Add(ref k0, group * keyStride), keyStride, ref Unsafe.Add(ref scales, (c + group) * scaleStride), scaleStride, wide, d, ref Unsafe.Add(ref column, group));
                }
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            for (; c + 4 <= n; c += 4)
            {
                Pack4Keys<TFormat>(ref Unsafe.Add(ref k, c * keyStride), keyStride, ref Unsafe.Add(ref scales, c * scaleStride), scaleStride, 0, d, ref Unsafe.Add(ref kt, c));
            }
        }

        for (; c < n; c++)
        {
            ref byte kc = ref Unsafe.Add(ref k, c * keyStride);
            float scale = TFormat.Scaled ? Unsafe.Add(ref scales, c * scaleStride) : 1f;
            for (int i = 0; i < d; i++)
            {
                Unsafe.Add(ref kt, i * KeyBlock + c) = TFormat.Load(ref kc, i) * scale;
            }
        }

        if (n < KeyBlock)
        {
            // The score kernels run whole column tiles: keys past the block's end score 0 and are never read.
            for (int i = 0; i < d; i++)
            {
                System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref kt, i * KeyBlock + n), KeyBlock - n).Clear();
            }
        }
    }

    /// <summary>
    /// <c>vt[c · d + i] = scale_c · v_c[i]</c>: a compressed block's values widened once, so the P·V
    /// GEMM reads floats. Value c is <paramref name="v"/> + c · <paramref name="valueStride"/> bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackValues<TMicro, TFormat>(in TMicro micro, ref byte v, nint valueStride, ref float scales, nint scaleStride, int n, ref float vt)
        where TMicro : struct, IAttentionMicrokernels
        where TFormat : struct, IKvCacheFormat
    {
        int d = micro.HeadDim;
        for (int c = 0; c < n; c++)
        {
            ref byte row = ref Unsafe.Add(ref v, c * valueStride);
            ref float target = ref Unsafe.Add(ref vt, c * d);
            float s = TFormat.Scaled ? Unsafe.Add(ref scales, c * scaleStride) : 1f;
            int i = 0;
            if (SimdPolicy.Bits >= 512)
            {
                for (; i + 16 <= d; i += 16)
                {
                    var x = TFormat.Load512(ref row, (nuint)i);
                    (TFormat.Scaled ? x * s : x).StoreUnsafe(ref target, (nuint)i);
                }
            }

            if (SimdPolicy.Bits >= 256)
            {
                for (; i + 8 <= d; i += 8)
                {
                    var x = TFormat.Load256(ref row, (nuint)i);
                    (TFormat.Scaled ? x * s : x).StoreUnsafe(ref target, (nuint)i);
                }
            }

            if (SimdPolicy.Bits >= 128)
            {
                for (; i + 4 <= d; i += 4)
                {
                    var x = TFormat.Load128(ref row, (nuint)i);
                    (TFormat.Scaled ? x * s : x).StoreUnsafe(ref target, (nuint)i);
                }
            }

            for (; i < d; i++)
            {
                Unsafe.Add(ref target, i) = TFormat.Load(ref row, i) * s;
            }
        }
    }

    /// <summary>
    /// <c>s[r · KeyBlock + c] = q_r · k_c</c> for r &lt; <paramref name="rows"/> on the packed block
    /// <paramref name="kt"/>, c &lt; <paramref name="n"/> rounded up to the column tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TMicro>(in TMicro micro, ref float q, int rows, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        int r = 0;
        for (; r + KernelRows <= rows; r += KernelRows)
        {
            ScoreRows<TMicro, Tile6>(micro, ref Unsafe.Add(ref q, r * d), ref kt, n, ref Unsafe.Add(ref s, r * KeyBlock));
        }

        ref float qr = ref Unsafe.Add(ref q, r * d);
        ref float sr = ref Unsafe.Add(ref s, r * KeyBlock);
        switch (rows - r)
        {
            case 5: ScoreRows<TMicro, Tile5>(micro, ref qr, ref kt, n, ref sr); break;
            case 4: ScoreRows<TMicro, Tile4>(micro, ref qr, ref kt, n, ref sr); break;
            case 3: ScoreRows<TMicro, Tile3>(micro, ref qr, ref kt, n, ref sr); break;
            case 2: ScoreRows<TMicro, Tile2>(micro, ref qr, ref kt, n, ref sr); break;
            case 1: ScoreRows<TMicro, Tile1>(micro, ref qr, ref kt, n, ref sr); break;
        }
    }

    /// <summary>
    /// <c>o_r += Σ_c p[r · KeyBlock + c] · v_c</c> for r &lt; <paramref name="rows"/>, c &lt; <paramref name="n"/>;
    /// value rows are floats, <paramref name="vStride"/> apart (the f32 cache itself, or the widened tile).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TMicro>(in TMicro micro, ref float p, int rows, int n, ref float v, nint vStride, ref float o)
        where TMicro : struct, IAttentionMicrokernels =>
        Accumulate<TMicro, RowMajorScores>(micro, ref p, rows, n, ref v, vStride, ref o);

    /// <summary>As <see cref="Accumulate{TMicro}"/>, the probabilities laid out as <typeparamref name="TLayout"/> says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TMicro, TLayout>(in TMicro micro, ref float p, int rows, int n, ref float v, nint vStride, ref float o)
        where TMicro : struct, IAttentionMicrokernels
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        int r = 0;
        for (; r + KernelRows <= rows; r += KernelRows)
        {
            AccumulateRows<TMicro, Tile6, TLayout>(micro, ref Unsafe.Add(ref p, r * TLayout.RowStride), n, ref v, vStride, ref Unsafe.Add(ref o, r * d));
        }

        ref float pr = ref Unsafe.Add(ref p, r * TLayout.RowStride);
        ref float or = ref Unsafe.Add(ref o, r * d);
        switch (rows - r)
        {
            case 5: AccumulateRows<TMicro, Tile5, TLayout>(micro, ref pr, n, ref v, vStride, ref or); break;
            case 4: AccumulateRows<TMicro, Tile4, TLayout>(micro, ref pr, n, ref v, vStride, ref or); break;
            case 3: AccumulateRows<TMicro, Tile3, TLayout>(micro, ref pr, n, ref v, vStride, ref or); break;
            case 2: AccumulateRows<TMicro, Tile2, TLayout>(micro, ref pr, n, ref v, vStride, ref or); break;
            case 1: AccumulateRows<TMicro, Tile1, TLayout>(micro, ref pr, n, ref v, vStride, ref or); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreRows<TMicro, TRows>(in TMicro micro, ref float q, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
    {
        if (SimdPolicy.Bits >= 512)
        {
            Scores512<TMicro, TRows>(micro, ref q, ref kt, n, ref s);
        }
        else if (SimdPolicy.Bits >= 256)
        {
            Scores256<TMicro, TRows>(micro, ref q, ref kt, n, ref s);
        }
        else if (SimdPolicy.Bits >= 128)
        {
            Scores128<TMicro, TRows>(micro, ref q, ref kt, n, ref s);
        }
        else
        {
            ScoresScalar<TMicro, TRows>(micro, ref q, ref kt, n, ref s);
        }
    }

    /// <summary>One row tile's outputs: passes of the path's tile width over head_dim, then narrower passes for the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateRows<TMicro, TRows, TLayout>(in TMicro micro, ref float p, int n, ref float v, nint vStride, ref float o)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        int j = 0;
        if (SimdPolicy.Bits >= 512)
        {
            for (; j + 64 <= d; j += 64)
            {
                AccumulatePass512<TMicro, TRows, Tile4, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }

            for (; j + 16 <= d; j += 16)
            {
                AccumulatePass512<TMicro, TRows, Tile1, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }
        }

        if (SimdPolicy.Bits >= 256)
        {
            for (; j + 16 <= d; j += 16)
            {
                AccumulatePass256<TMicro, TRows, Tile2, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }

            for (; j + 8 <= d; j += 8)
            {
                AccumulatePass256<TMicro, TRows, Tile1, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            for (; j + 8 <= d; j += 8)
            {
                AccumulatePass128<TMicro, TRows, Tile2, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }

            for (; j + 4 <= d; j += 4)
            {
                AccumulatePass128<TMicro, TRows, Tile1, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
            }
        }

        for (; j + 2 <= d; j += 2)
        {
            AccumulatePassScalar<TMicro, TRows, Tile2, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
        }

        for (; j < d; j++)
        {
            AccumulatePassScalar<TMicro, TRows, Tile1, TLayout>(micro, ref p, n, ref v, vStride, ref o, j);
        }
    }

    /// <summary>Numbers <paramref name="from"/>..<paramref name="to"/> of four keys from <paramref name="k0"/>, packed into four columns from <paramref name="column"/>: 4 × 4 blocks transposed in registers, the last numbers one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack4Keys<TFormat>(ref byte k0, nint keyStride, ref float scales, nint scaleStride, int from, int to, ref float column)
        where TFormat : struct, IKvCacheFormat
    {
        ref byte k1 = ref Unsafe.Add(ref k0, keyStride);
        ref byte k2 = ref Unsafe.Add(ref k1, keyStride);
        ref byte k3 = ref Unsafe.Add(ref k2, keyStride);
        var scale = TFormat.Scaled
            ? Vector128.Create(scales, Unsafe.Add(ref scales, scaleStride), Unsafe.Add(ref scales, 2 * scaleStride), Unsafe.Add(ref scales, 3 * scaleStride))
            : Vector128<float>.One;
        int i = from;
        for (; i + 4 <= to; i += 4)
        {
            Transpose(TFormat.Load128(ref k0, (nuint)i), TFormat.Load128(ref k1, (nuint)i), TFormat.Load128(ref k2, (nuint)i), TFormat.Load128(ref k3, (nuint)i),
                out var d0, out var d1, out var d2, out var d3);
            if (TFormat.Scaled)
            {
                d0 *= scale;
                d1 *= scale;
                d2 *= scale;
                d3 *= scale;
            }

            d0.StoreUnsafe(ref column, (nuint)(i * KeyBlock));
            d1.StoreUnsafe(ref column, (nuint)((i + 1) * KeyBlock));
            d2.StoreUnsafe(ref column, (nuint)((i + 2) * KeyBlock));
            d3.StoreUnsafe(ref column, (nuint)((i + 3) * KeyBlock));
        }

        for (; i < to; i++)
        {
            (Vector128.Create(TFormat.Load(ref k0, i), TFormat.Load(ref k1, i), TFormat.Load(ref k2, i), TFormat.Load(ref k3, i)) * scale)
                .StoreUnsafe(ref column, (nuint)(i * KeyBlock));
        }
    }

    /// <summary>Sixteen key scales <paramref name="stride"/> apart, in one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gather16(ref float scales, nint stride)
    {
        if (stride == 1)
        {
            return Vector512.LoadUnsafe(ref scales);
        }

        Unsafe.SkipInit(out Vector512<float> gathered);
        for (int c = 0; c < 16; c++)
        {
            gathered = gathered.WithElement(c, Unsafe.Add(ref scales, c * stride));
        }

        return gathered;
    }

    /// <summary>
    /// Numbers i..i+15 of 16 keys (from <paramref name="k0"/>, <paramref name="keyStride"/> bytes apart)
    /// widened and stored as 16 rows of Kᵀ from <paramref name="target"/>, each holding the 16 keys'
    /// number times their <paramref name="scale"/>. Three shuffle stages: vunpcklps/vunpckhps pair the
    /// keys, vshufps makes each 128-bit lane a 4 × 4 transposed block, two vshuff32x4 stages move the
    /// lanes so row t holds number i + t of every key.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack16x16<TFormat>(ref byte k0, nint keyStride, int i, Vector512<float> scale, ref float target)
        where TFormat : struct, IKvCacheFormat
    {
        ref byte k4 = ref Unsafe.Add(ref k0, 4 * keyStride);
        ref byte k8 = ref Unsafe.Add(ref k0, 8 * keyStride);
        ref byte k12 = ref Unsafe.Add(ref k0, 12 * keyStride);
        // u[4g + e]: in 128-bit lane L, number 4L + e of keys 4g..4g+3.
        Quad<TFormat>(ref k0, keyStride, i, out var u0, out var u1, out var u2, out var u3);
        Quad<TFormat>(ref k4, keyStride, i, out var u4, out var u5, out var u6, out var u7);
        Quad<TFormat>(ref k8, keyStride, i, out var u8, out var u9, out var u10, out var u11);
        Quad<TFormat>(ref k12, keyStride, i, out var u12, out var u13, out var u14, out var u15);
        Lanes<TFormat>(u0, u4, u8, u12, scale, ref target, 0);
        Lanes<TFormat>(u1, u5, u9, u13, scale, ref target, 1);
        Lanes<TFormat>(u2, u6, u10, u14, scale, ref target, 2);
        Lanes<TFormat>(u3, u7, u11, u15, scale, ref target, 3);
    }

    /// <summary>Four keys' numbers i..i+15, each 128-bit lane transposed: out e holds, in lane L, number 4L + e of the four keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad<TFormat>(ref byte k0, nint keyStride, int i, out Vector512<float> e0, out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3)
        where TFormat : struct, IKvCacheFormat
    {
        var a0 = TFormat.Load512(ref k0, (nuint)i);
        var a1 = TFormat.Load512(ref Unsafe.Add(ref k0, keyStride), (nuint)i);
        var a2 = TFormat.Load512(ref Unsafe.Add(ref k0, 2 * keyStride), (nuint)i);
        var a3 = TFormat.Load512(ref Unsafe.Add(ref k0, 3 * keyStride), (nuint)i);
        var t0 = Avx512F.UnpackLow(a0, a1);    // lane L: a0[4L], a1[4L], a0[4L+1], a1[4L+1]
        var t1 = Avx512F.UnpackHigh(a0, a1);   // lane L: a0[4L+2], a1[4L+2], a0[4L+3], a1[4L+3]
        var t2 = Avx512F.UnpackLow(a2, a3);
        var t3 = Avx512F.UnpackHigh(a2, a3);
        e0 = Avx512F.Shuffle(t0, t2, 0x44);
        e1 = Avx512F.Shuffle(t0, t2, 0xEE);
        e2 = Avx512F.Shuffle(t1, t3, 0x44);
        e3 = Avx512F.Shuffle(t1, t3, 0xEE);
    }

    /// <summary>
    /// Rows e, 4 + e, 8 + e, 12 + e of the 16 × 16 Kᵀ tile from the four key groups' vectors for number
    /// offset e (group g's lane L holds number 4L + e of keys 4g..4g+3): a 4 × 4 transpose of 128-bit lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes<TFormat>(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, Vector512<float> scale, ref float target, int e)
        where TFormat : struct, IKvCacheFormat
    {
        var v0 = Avx512F.Shuffle4x128(g0, g1, 0x44);   // g0.L0, g0.L1, g1.L0, g1.L1
        var v1 = Avx512F.Shuffle4x128(g0, g1, 0xEE);   // g0.L2, g0.L3, g1.L2, g1.L3
        var v2 = Avx512F.Shuffle4x128(g2, g3, 0x44);
        var v3 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        Scaled<TFormat>(Avx512F.Shuffle4x128(v0, v2, 0x88), scale).StoreUnsafe(ref target, (nuint)(e * KeyBlock));
        Scaled<TFormat>(Avx512F.Shuffle4x128(v0, v2, 0xDD), scale).StoreUnsafe(ref target, (nuint)((4 + e) * KeyBlock));
        Scaled<TFormat>(Avx512F.Shuffle4x128(v1, v3, 0x88), scale).StoreUnsafe(ref target, (nuint)((8 + e) * KeyBlock));
        Scaled<TFormat>(Avx512F.Shuffle4x128(v1, v3, 0xDD), scale).StoreUnsafe(ref target, (nuint)((12 + e) * KeyBlock));
    }

    /// <summary>x times the keys' scales in a scaled format; x itself otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scaled<TFormat>(Vector512<float> x, Vector512<float> scale)
        where TFormat : struct, IKvCacheFormat => TFormat.Scaled ? x * scale : x;

    /// <summary>Rows of a 4 × 4 block become its columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3,
        out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3)
    {
        if (Sse.IsSupported)
        {
            var t0 = Sse.UnpackLow(r0, r1);
            var t1 = Sse.UnpackLow(r2, r3);
            var t2 = Sse.UnpackHigh(r0, r1);
            var t3 = Sse.UnpackHigh(r2, r3);
            c0 = Sse.MoveLowToHigh(t0, t1);
            c1 = Sse.MoveHighToLow(t1, t0);
            c2 = Sse.MoveLowToHigh(t2, t3);
            c3 = Sse.MoveHighToLow(t3, t2);
            return;
        }

        c0 = Vector128.Create(r0.GetElement(0), r1.GetElement(0), r2.GetElement(0), r3.GetElement(0));
        c1 = Vector128.Create(r0.GetElement(1), r1.GetElement(1), r2.GetElement(1), r3.GetElement(1));
        c2 = Vector128.Create(r0.GetElement(2), r1.GetElement(2), r2.GetElement(2), r3.GetElement(2));
        c3 = Vector128.Create(r0.GetElement(3), r1.GetElement(3), r2.GetElement(3), r3.GetElement(3));
    }

    /// <summary>Scores of TRows rows on the packed Kᵀ block, 6 × 4 Vector512s per tile at most (24 + 4 + 1 registers); column tiles of 64 keys up to <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores512<TMicro, TRows>(in TMicro micro, ref float q, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
    {
        int d = micro.HeadDim;
        for (int c = 0; c < n; c += 64)
        {
            ref float packed = ref Unsafe.Add(ref kt, c);
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
            Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
            ref float qi = ref q;
            for (int i = 0; i < d; i++, packed = ref Unsafe.Add(ref packed, KeyBlock), qi = ref Unsafe.Add(ref qi, 1))
            {
                Vector512<float> k0 = Vector512.LoadUnsafe(ref packed), k1 = Vector512.LoadUnsafe(ref packed, 16), k2 = Vector512.LoadUnsafe(ref packed, 32), k3 = Vector512.LoadUnsafe(ref packed, 48);
                { var x = Vector512.Create(qi); a00 = SimdPolicy.MultiplyAdd(x, k0, a00); a01 = SimdPolicy.MultiplyAdd(x, k1, a01); a02 = SimdPolicy.MultiplyAdd(x, k2, a02); a03 = SimdPolicy.MultiplyAdd(x, k3, a03); }
                if (TRows.Count > 1) { var x = Vector512.Create(Unsafe.Add(ref qi, d)); a10 = SimdPolicy.MultiplyAdd(x, k0, a10); a11 = SimdPolicy.MultiplyAdd(x, k1, a11); a12 = SimdPolicy.MultiplyAdd(x, k2, a12); a13 = SimdPolicy.MultiplyAdd(x, k3, a13); }
                if (TRows.Count > 2) { var x = Vector512.Create(Unsafe.Add(ref qi, 2 * d)); a20 = SimdPolicy.MultiplyAdd(x, k0, a20); a21 = SimdPolicy.MultiplyAdd(x, k1, a21); a22 = SimdPolicy.MultiplyAdd(x, k2, a22); a23 = SimdPolicy.MultiplyAdd(x, k3, a23); }
                if (TRows.Count > 3) { var x = Vector512.Create(Unsafe.Add(ref qi, 3 * d)); a30 = SimdPolicy.MultiplyAdd(x, k0, a30); a31 = SimdPolicy.MultiplyAdd(x, k1, a31); a32 = SimdPolicy.MultiplyAdd(x, k2, a32); a33 = SimdPolicy.MultiplyAdd(x, k3, a33); }
                if (TRows.Count > 4) { var x = Vector512.Create(Unsafe.Add(ref qi, 4 * d)); a40 = SimdPolicy.MultiplyAdd(x, k0, a40); a41 = SimdPolicy.MultiplyAdd(x, k1, a41); a42 = SimdPolicy.MultiplyAdd(x, k2, a42); a43 = SimdPolicy.MultiplyAdd(x, k3, a43); }
                if (TRows.Count > 5) { var x = Vector512.Create(Unsafe.Add(ref qi, 5 * d)); a50 = SimdPolicy.MultiplyAdd(x, k0, a50); a51 = SimdPolicy.MultiplyAdd(x, k1, a51); a52 = SimdPolicy.MultiplyAdd(x, k2, a52); a53 = SimdPolicy.MultiplyAdd(x, k3, a53); }
            }

            ref float row = ref Unsafe.Add(ref s, c);
            a00.StoreUnsafe(ref row); a01.StoreUnsafe(ref row, 16); a02.StoreUnsafe(ref row, 32); a03.StoreUnsafe(ref row, 48);
            if (TRows.Count > 1) { a10.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 0)); a11.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 16)); a12.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 32)); a13.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 48)); }
            if (TRows.Count > 2) { a20.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 0)); a21.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 16)); a22.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 32)); a23.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 48)); }
            if (TRows.Count > 3) { a30.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 0)); a31.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 16)); a32.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 32)); a33.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 48)); }
            if (TRows.Count > 4) { a40.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 0)); a41.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 16)); a42.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 32)); a43.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 48)); }
            if (TRows.Count > 5) { a50.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 0)); a51.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 16)); a52.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 32)); a53.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 48)); }
        }
    }

    /// <summary>o[r, j..] += Σ_c p[r, c] v[c, j..] for TRows rows × TVectors Vector512s of head_dim from column <paramref name="j"/>, the output tile in registers across the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulatePass512<TMicro, TRows, TVectors, TLayout>(in TMicro micro, ref float p, int n, ref float v, nint vStride, ref float o, int j)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
        where TVectors : struct, ITileCount
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        ref float o0 = ref Unsafe.Add(ref o, j);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        a00 = Vector512.LoadUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01 = Vector512.LoadUnsafe(ref o0, 16);
        if (TVectors.Count > 2) a02 = Vector512.LoadUnsafe(ref o0, 32);
        if (TVectors.Count > 3) a03 = Vector512.LoadUnsafe(ref o0, 48);
        if (TRows.Count > 1) a10 = Vector512.LoadUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11 = Vector512.LoadUnsafe(ref o0, (nuint)(1 * d + 16));
        if (TRows.Count > 1 && TVectors.Count > 2) a12 = Vector512.LoadUnsafe(ref o0, (nuint)(1 * d + 32));
        if (TRows.Count > 1 && TVectors.Count > 3) a13 = Vector512.LoadUnsafe(ref o0, (nuint)(1 * d + 48));
        if (TRows.Count > 2) a20 = Vector512.LoadUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21 = Vector512.LoadUnsafe(ref o0, (nuint)(2 * d + 16));
        if (TRows.Count > 2 && TVectors.Count > 2) a22 = Vector512.LoadUnsafe(ref o0, (nuint)(2 * d + 32));
        if (TRows.Count > 2 && TVectors.Count > 3) a23 = Vector512.LoadUnsafe(ref o0, (nuint)(2 * d + 48));
        if (TRows.Count > 3) a30 = Vector512.LoadUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31 = Vector512.LoadUnsafe(ref o0, (nuint)(3 * d + 16));
        if (TRows.Count > 3 && TVectors.Count > 2) a32 = Vector512.LoadUnsafe(ref o0, (nuint)(3 * d + 32));
        if (TRows.Count > 3 && TVectors.Count > 3) a33 = Vector512.LoadUnsafe(ref o0, (nuint)(3 * d + 48));
        if (TRows.Count > 4) a40 = Vector512.LoadUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41 = Vector512.LoadUnsafe(ref o0, (nuint)(4 * d + 16));
        if (TRows.Count > 4 && TVectors.Count > 2) a42 = Vector512.LoadUnsafe(ref o0, (nuint)(4 * d + 32));
        if (TRows.Count > 4 && TVectors.Count > 3) a43 = Vector512.LoadUnsafe(ref o0, (nuint)(4 * d + 48));
        if (TRows.Count > 5) a50 = Vector512.LoadUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51 = Vector512.LoadUnsafe(ref o0, (nuint)(5 * d + 16));
        if (TRows.Count > 5 && TVectors.Count > 2) a52 = Vector512.LoadUnsafe(ref o0, (nuint)(5 * d + 32));
        if (TRows.Count > 5 && TVectors.Count > 3) a53 = Vector512.LoadUnsafe(ref o0, (nuint)(5 * d + 48));

        ref float vc = ref Unsafe.Add(ref v, j);
        ref float pc = ref p;
        for (int c = 0; c < n; c++, vc = ref Unsafe.Add(ref vc, vStride), pc = ref Unsafe.Add(ref pc, TLayout.KeyStride))
        {
            Vector512<float> y0 = Vector512.LoadUnsafe(ref vc), y1 = default, y2 = default, y3 = default;
            if (TVectors.Count > 1) y1 = Vector512.LoadUnsafe(ref vc, 16);
            if (TVectors.Count > 2) y2 = Vector512.LoadUnsafe(ref vc, 32);
            if (TVectors.Count > 3) y3 = Vector512.LoadUnsafe(ref vc, 48);
            { var w = Vector512.Create(pc); a00 = SimdPolicy.MultiplyAdd(w, y0, a00); if (TVectors.Count > 1) a01 = SimdPolicy.MultiplyAdd(w, y1, a01); if (TVectors.Count > 2) a02 = SimdPolicy.MultiplyAdd(w, y2, a02); if (TVectors.Count > 3) a03 = SimdPolicy.MultiplyAdd(w, y3, a03); }
            if (TRows.Count > 1) { var w = Vector512.Create(Unsafe.Add(ref pc, 1 * TLayout.RowStride)); a10 = SimdPolicy.MultiplyAdd(w, y0, a10); if (TVectors.Count > 1) a11 = SimdPolicy.MultiplyAdd(w, y1, a11); if (TVectors.Count > 2) a12 = SimdPolicy.MultiplyAdd(w, y2, a12); if (TVectors.Count > 3) a13 = SimdPolicy.MultiplyAdd(w, y3, a13); }
            if (TRows.Count > 2) { var w = Vector512.Create(Unsafe.Add(ref pc, 2 * TLayout.RowStride)); a20 = SimdPolicy.MultiplyAdd(w, y0, a20); if (TVectors.Count > 1) a21 = SimdPolicy.MultiplyAdd(w, y1, a21); if (TVectors.Count > 2) a22 = SimdPolicy.MultiplyAdd(w, y2, a22); if (TVectors.Count > 3) a23 = SimdPolicy.MultiplyAdd(w, y3, a23); }
            if (TRows.Count > 3) { var w = Vector512.Create(Unsafe.Add(ref pc, 3 * TLayout.RowStride)); a30 = SimdPolicy.MultiplyAdd(w, y0, a30); if (TVectors.Count > 1) a31 = SimdPolicy.MultiplyAdd(w, y1, a31); if (TVectors.Count > 2) a32 = SimdPolicy.MultiplyAdd(w, y2, a32); if (TVectors.Count > 3) a33 = SimdPolicy.MultiplyAdd(w, y3, a33); }
            if (TRows.Count > 4) { var w = Vector512.Create(Unsafe.Add(ref pc, 4 * TLayout.RowStride)); a40 = SimdPolicy.MultiplyAdd(w, y0, a40); if (TVectors.Count > 1) a41 = SimdPolicy.MultiplyAdd(w, y1, a41); if (TVectors.Count > 2) a42 = SimdPolicy.MultiplyAdd(w, y2, a42); if (TVectors.Count > 3) a43 = SimdPolicy.MultiplyAdd(w, y3, a43); }
            if (TRows.Count > 5) { var w = Vector512.Create(Unsafe.Add(ref pc, 5 * TLayout.RowStride)); a50 = SimdPolicy.MultiplyAdd(w, y0, a50); if (TVectors.Count > 1) a51 = SimdPolicy.MultiplyAdd(w, y1, a51); if (TVectors.Count > 2) a52 = SimdPolicy.MultiplyAdd(w, y2, a52); if (TVectors.Count > 3) a53 = SimdPolicy.MultiplyAdd(w, y3, a53); }
        }

        a00.StoreUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01.StoreUnsafe(ref o0, 16);
        if (TVectors.Count > 2) a02.StoreUnsafe(ref o0, 32);
        if (TVectors.Count > 3) a03.StoreUnsafe(ref o0, 48);
        if (TRows.Count > 1) a10.StoreUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11.StoreUnsafe(ref o0, (nuint)(1 * d + 16));
        if (TRows.Count > 1 && TVectors.Count > 2) a12.StoreUnsafe(ref o0, (nuint)(1 * d + 32));
        if (TRows.Count > 1 && TVectors.Count > 3) a13.StoreUnsafe(ref o0, (nuint)(1 * d + 48));
        if (TRows.Count > 2) a20.StoreUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21.StoreUnsafe(ref o0, (nuint)(2 * d + 16));
        if (TRows.Count > 2 && TVectors.Count > 2) a22.StoreUnsafe(ref o0, (nuint)(2 * d + 32));
        if (TRows.Count > 2 && TVectors.Count > 3) a23.StoreUnsafe(ref o0, (nuint)(2 * d + 48));
        if (TRows.Count > 3) a30.StoreUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31.StoreUnsafe(ref o0, (nuint)(3 * d + 16));
        if (TRows.Count > 3 && TVectors.Count > 2) a32.StoreUnsafe(ref o0, (nuint)(3 * d + 32));
        if (TRows.Count > 3 && TVectors.Count > 3) a33.StoreUnsafe(ref o0, (nuint)(3 * d + 48));
        if (TRows.Count > 4) a40.StoreUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41.StoreUnsafe(ref o0, (nuint)(4 * d + 16));
        if (TRows.Count > 4 && TVectors.Count > 2) a42.StoreUnsafe(ref o0, (nuint)(4 * d + 32));
        if (TRows.Count > 4 && TVectors.Count > 3) a43.StoreUnsafe(ref o0, (nuint)(4 * d + 48));
        if (TRows.Count > 5) a50.StoreUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51.StoreUnsafe(ref o0, (nuint)(5 * d + 16));
        if (TRows.Count > 5 && TVectors.Count > 2) a52.StoreUnsafe(ref o0, (nuint)(5 * d + 32));
        if (TRows.Count > 5 && TVectors.Count > 3) a53.StoreUnsafe(ref o0, (nuint)(5 * d + 48));
    }

    /// <summary>Scores of TRows rows on the packed Kᵀ block, 6 × 2 Vector256s per tile at most (12 + 2 + 1 registers); column tiles of 16 keys up to <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores256<TMicro, TRows>(in TMicro micro, ref float q, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
    {
        int d = micro.HeadDim;
        for (int c = 0; c < n; c += 16)
        {
            ref float packed = ref Unsafe.Add(ref kt, c);
            Vector256<float> a00 = default, a01 = default;
            Vector256<float> a10 = default, a11 = default;
            Vector256<float> a20 = default, a21 = default;
            Vector256<float> a30 = default, a31 = default;
            Vector256<float> a40 = default, a41 = default;
            Vector256<float> a50 = default, a51 = default;
            ref float qi = ref q;
            for (int i = 0; i < d; i++, packed = ref Unsafe.Add(ref packed, KeyBlock), qi = ref Unsafe.Add(ref qi, 1))
            {
                Vector256<float> k0 = Vector256.LoadUnsafe(ref packed), k1 = Vector256.LoadUnsafe(ref packed, 8);
                { var x = Vector256.Create(qi); a00 = SimdPolicy.MultiplyAdd(x, k0, a00); a01 = SimdPolicy.MultiplyAdd(x, k1, a01); }
                if (TRows.Count > 1) { var x = Vector256.Create(Unsafe.Add(ref qi, d)); a10 = SimdPolicy.MultiplyAdd(x, k0, a10); a11 = SimdPolicy.MultiplyAdd(x, k1, a11); }
                if (TRows.Count > 2) { var x = Vector256.Create(Unsafe.Add(ref qi, 2 * d)); a20 = SimdPolicy.MultiplyAdd(x, k0, a20); a21 = SimdPolicy.MultiplyAdd(x, k1, a21); }
                if (TRows.Count > 3) { var x = Vector256.Create(Unsafe.Add(ref qi, 3 * d)); a30 = SimdPolicy.MultiplyAdd(x, k0, a30); a31 = SimdPolicy.MultiplyAdd(x, k1, a31); }
                if (TRows.Count > 4) { var x = Vector256.Create(Unsafe.Add(ref qi, 4 * d)); a40 = SimdPolicy.MultiplyAdd(x, k0, a40); a41 = SimdPolicy.MultiplyAdd(x, k1, a41); }
                if (TRows.Count > 5) { var x = Vector256.Create(Unsafe.Add(ref qi, 5 * d)); a50 = SimdPolicy.MultiplyAdd(x, k0, a50); a51 = SimdPolicy.MultiplyAdd(x, k1, a51); }
            }

            ref float row = ref Unsafe.Add(ref s, c);
            a00.StoreUnsafe(ref row); a01.StoreUnsafe(ref row, 8);
            if (TRows.Count > 1) { a10.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 0)); a11.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 8)); }
            if (TRows.Count > 2) { a20.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 0)); a21.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 8)); }
            if (TRows.Count > 3) { a30.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 0)); a31.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 8)); }
            if (TRows.Count > 4) { a40.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 0)); a41.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 8)); }
            if (TRows.Count > 5) { a50.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 0)); a51.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 8)); }
        }
    }

    /// <summary>o[r, j..] += Σ_c p[r, c] v[c, j..] for TRows rows × TVectors Vector256s of head_dim from column <paramref name="j"/>, the output tile in registers across the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulatePass256<TMicro, TRows, TVectors, TLayout>(in TMicro micro, ref float p, int n, ref float v, nint vStride, ref float o, int j)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
        where TVectors : struct, ITileCount
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        ref float o0 = ref Unsafe.Add(ref o, j);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector256<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector256<float> a50 = default, a51 = default, a52 = default, a53 = default;
        a00 = Vector256.LoadUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01 = Vector256.LoadUnsafe(ref o0, 8);
        if (TVectors.Count > 2) a02 = Vector256.LoadUnsafe(ref o0, 16);
        if (TVectors.Count > 3) a03 = Vector256.LoadUnsafe(ref o0, 24);
        if (TRows.Count > 1) a10 = Vector256.LoadUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11 = Vector256.LoadUnsafe(ref o0, (nuint)(1 * d + 8));
        if (TRows.Count > 1 && TVectors.Count > 2) a12 = Vector256.LoadUnsafe(ref o0, (nuint)(1 * d + 16));
        if (TRows.Count > 1 && TVectors.Count > 3) a13 = Vector256.LoadUnsafe(ref o0, (nuint)(1 * d + 24));
        if (TRows.Count > 2) a20 = Vector256.LoadUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21 = Vector256.LoadUnsafe(ref o0, (nuint)(2 * d + 8));
        if (TRows.Count > 2 && TVectors.Count > 2) a22 = Vector256.LoadUnsafe(ref o0, (nuint)(2 * d + 16));
        if (TRows.Count > 2 && TVectors.Count > 3) a23 = Vector256.LoadUnsafe(ref o0, (nuint)(2 * d + 24));
        if (TRows.Count > 3) a30 = Vector256.LoadUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31 = Vector256.LoadUnsafe(ref o0, (nuint)(3 * d + 8));
        if (TRows.Count > 3 && TVectors.Count > 2) a32 = Vector256.LoadUnsafe(ref o0, (nuint)(3 * d + 16));
        if (TRows.Count > 3 && TVectors.Count > 3) a33 = Vector256.LoadUnsafe(ref o0, (nuint)(3 * d + 24));
        if (TRows.Count > 4) a40 = Vector256.LoadUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41 = Vector256.LoadUnsafe(ref o0, (nuint)(4 * d + 8));
        if (TRows.Count > 4 && TVectors.Count > 2) a42 = Vector256.LoadUnsafe(ref o0, (nuint)(4 * d + 16));
        if (TRows.Count > 4 && TVectors.Count > 3) a43 = Vector256.LoadUnsafe(ref o0, (nuint)(4 * d + 24));
        if (TRows.Count > 5) a50 = Vector256.LoadUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51 = Vector256.LoadUnsafe(ref o0, (nuint)(5 * d + 8));
        if (TRows.Count > 5 && TVectors.Count > 2) a52 = Vector256.LoadUnsafe(ref o0, (nuint)(5 * d + 16));
        if (TRows.Count > 5 && TVectors.Count > 3) a53 = Vector256.LoadUnsafe(ref o0, (nuint)(5 * d + 24));

        ref float vc = ref Unsafe.Add(ref v, j);
        ref float pc = ref p;
        for (int c = 0; c < n; c++, vc = ref Unsafe.Add(ref vc, vStride), pc = ref Unsafe.Add(ref pc, TLayout.KeyStride))
        {
            Vector256<float> y0 = Vector256.LoadUnsafe(ref vc), y1 = default, y2 = default, y3 = default;
            if (TVectors.Count > 1) y1 = Vector256.LoadUnsafe(ref vc, 8);
            if (TVectors.Count > 2) y2 = Vector256.LoadUnsafe(ref vc, 16);
            if (TVectors.Count > 3) y3 = Vector256.LoadUnsafe(ref vc, 24);
            { var w = Vector256.Create(pc); a00 = SimdPolicy.MultiplyAdd(w, y0, a00); if (TVectors.Count > 1) a01 = SimdPolicy.MultiplyAdd(w, y1, a01); if (TVectors.Count > 2) a02 = SimdPolicy.MultiplyAdd(w, y2, a02); if (TVectors.Count > 3) a03 = SimdPolicy.MultiplyAdd(w, y3, a03); }
            if (TRows.Count > 1) { var w = Vector256.Create(Unsafe.Add(ref pc, 1 * TLayout.RowStride)); a10 = SimdPolicy.MultiplyAdd(w, y0, a10); if (TVectors.Count > 1) a11 = SimdPolicy.MultiplyAdd(w, y1, a11); if (TVectors.Count > 2) a12 = SimdPolicy.MultiplyAdd(w, y2, a12); if (TVectors.Count > 3) a13 = SimdPolicy.MultiplyAdd(w, y3, a13); }
            if (TRows.Count > 2) { var w = Vector256.Create(Unsafe.Add(ref pc, 2 * TLayout.RowStride)); a20 = SimdPolicy.MultiplyAdd(w, y0, a20); if (TVectors.Count > 1) a21 = SimdPolicy.MultiplyAdd(w, y1, a21); if (TVectors.Count > 2) a22 = SimdPolicy.MultiplyAdd(w, y2, a22); if (TVectors.Count > 3) a23 = SimdPolicy.MultiplyAdd(w, y3, a23); }
            if (TRows.Count > 3) { var w = Vector256.Create(Unsafe.Add(ref pc, 3 * TLayout.RowStride)); a30 = SimdPolicy.MultiplyAdd(w, y0, a30); if (TVectors.Count > 1) a31 = SimdPolicy.MultiplyAdd(w, y1, a31); if (TVectors.Count > 2) a32 = SimdPolicy.MultiplyAdd(w, y2, a32); if (TVectors.Count > 3) a33 = SimdPolicy.MultiplyAdd(w, y3, a33); }
            if (TRows.Count > 4) { var w = Vector256.Create(Unsafe.Add(ref pc, 4 * TLayout.RowStride)); a40 = SimdPolicy.MultiplyAdd(w, y0, a40); if (TVectors.Count > 1) a41 = SimdPolicy.MultiplyAdd(w, y1, a41); if (TVectors.Count > 2) a42 = SimdPolicy.MultiplyAdd(w, y2, a42); if (TVectors.Count > 3) a43 = SimdPolicy.MultiplyAdd(w, y3, a43); }
            if (TRows.Count > 5) { var w = Vector256.Create(Unsafe.Add(ref pc, 5 * TLayout.RowStride)); a50 = SimdPolicy.MultiplyAdd(w, y0, a50); if (TVectors.Count > 1) a51 = SimdPolicy.MultiplyAdd(w, y1, a51); if (TVectors.Count > 2) a52 = SimdPolicy.MultiplyAdd(w, y2, a52); if (TVectors.Count > 3) a53 = SimdPolicy.MultiplyAdd(w, y3, a53); }
        }

        a00.StoreUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01.StoreUnsafe(ref o0, 8);
        if (TVectors.Count > 2) a02.StoreUnsafe(ref o0, 16);
        if (TVectors.Count > 3) a03.StoreUnsafe(ref o0, 24);
        if (TRows.Count > 1) a10.StoreUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11.StoreUnsafe(ref o0, (nuint)(1 * d + 8));
        if (TRows.Count > 1 && TVectors.Count > 2) a12.StoreUnsafe(ref o0, (nuint)(1 * d + 16));
        if (TRows.Count > 1 && TVectors.Count > 3) a13.StoreUnsafe(ref o0, (nuint)(1 * d + 24));
        if (TRows.Count > 2) a20.StoreUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21.StoreUnsafe(ref o0, (nuint)(2 * d + 8));
        if (TRows.Count > 2 && TVectors.Count > 2) a22.StoreUnsafe(ref o0, (nuint)(2 * d + 16));
        if (TRows.Count > 2 && TVectors.Count > 3) a23.StoreUnsafe(ref o0, (nuint)(2 * d + 24));
        if (TRows.Count > 3) a30.StoreUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31.StoreUnsafe(ref o0, (nuint)(3 * d + 8));
        if (TRows.Count > 3 && TVectors.Count > 2) a32.StoreUnsafe(ref o0, (nuint)(3 * d + 16));
        if (TRows.Count > 3 && TVectors.Count > 3) a33.StoreUnsafe(ref o0, (nuint)(3 * d + 24));
        if (TRows.Count > 4) a40.StoreUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41.StoreUnsafe(ref o0, (nuint)(4 * d + 8));
        if (TRows.Count > 4 && TVectors.Count > 2) a42.StoreUnsafe(ref o0, (nuint)(4 * d + 16));
        if (TRows.Count > 4 && TVectors.Count > 3) a43.StoreUnsafe(ref o0, (nuint)(4 * d + 24));
        if (TRows.Count > 5) a50.StoreUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51.StoreUnsafe(ref o0, (nuint)(5 * d + 8));
        if (TRows.Count > 5 && TVectors.Count > 2) a52.StoreUnsafe(ref o0, (nuint)(5 * d + 16));
        if (TRows.Count > 5 && TVectors.Count > 3) a53.StoreUnsafe(ref o0, (nuint)(5 * d + 24));
    }

    /// <summary>Scores of TRows rows on the packed Kᵀ block, 6 × 2 Vector128s per tile at most (12 + 2 + 1 registers); column tiles of 8 keys up to <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores128<TMicro, TRows>(in TMicro micro, ref float q, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
    {
        int d = micro.HeadDim;
        for (int c = 0; c < n; c += 8)
        {
            ref float packed = ref Unsafe.Add(ref kt, c);
            Vector128<float> a00 = default, a01 = default;
            Vector128<float> a10 = default, a11 = default;
            Vector128<float> a20 = default, a21 = default;
            Vector128<float> a30 = default, a31 = default;
            Vector128<float> a40 = default, a41 = default;
            Vector128<float> a50 = default, a51 = default;
            ref float qi = ref q;
            for (int i = 0; i < d; i++, packed = ref Unsafe.Add(ref packed, KeyBlock), qi = ref Unsafe.Add(ref qi, 1))
            {
                Vector128<float> k0 = Vector128.LoadUnsafe(ref packed), k1 = Vector128.LoadUnsafe(ref packed, 4);
                { var x = Vector128.Create(qi); a00 = SimdPolicy.MultiplyAdd(x, k0, a00); a01 = SimdPolicy.MultiplyAdd(x, k1, a01); }
                if (TRows.Count > 1) { var x = Vector128.Create(Unsafe.Add(ref qi, d)); a10 = SimdPolicy.MultiplyAdd(x, k0, a10); a11 = SimdPolicy.MultiplyAdd(x, k1, a11); }
                if (TRows.Count > 2) { var x = Vector128.Create(Unsafe.Add(ref qi, 2 * d)); a20 = SimdPolicy.MultiplyAdd(x, k0, a20); a21 = SimdPolicy.MultiplyAdd(x, k1, a21); }
                if (TRows.Count > 3) { var x = Vector128.Create(Unsafe.Add(ref qi, 3 * d)); a30 = SimdPolicy.MultiplyAdd(x, k0, a30); a31 = SimdPolicy.MultiplyAdd(x, k1, a31); }
                if (TRows.Count > 4) { var x = Vector128.Create(Unsafe.Add(ref qi, 4 * d)); a40 = SimdPolicy.MultiplyAdd(x, k0, a40); a41 = SimdPolicy.MultiplyAdd(x, k1, a41); }
                if (TRows.Count > 5) { var x = Vector128.Create(Unsafe.Add(ref qi, 5 * d)); a50 = SimdPolicy.MultiplyAdd(x, k0, a50); a51 = SimdPolicy.MultiplyAdd(x, k1, a51); }
            }

            ref float row = ref Unsafe.Add(ref s, c);
            a00.StoreUnsafe(ref row); a01.StoreUnsafe(ref row, 4);
            if (TRows.Count > 1) { a10.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 0)); a11.StoreUnsafe(ref row, (nuint)(1 * KeyBlock + 4)); }
            if (TRows.Count > 2) { a20.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 0)); a21.StoreUnsafe(ref row, (nuint)(2 * KeyBlock + 4)); }
            if (TRows.Count > 3) { a30.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 0)); a31.StoreUnsafe(ref row, (nuint)(3 * KeyBlock + 4)); }
            if (TRows.Count > 4) { a40.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 0)); a41.StoreUnsafe(ref row, (nuint)(4 * KeyBlock + 4)); }
            if (TRows.Count > 5) { a50.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 0)); a51.StoreUnsafe(ref row, (nuint)(5 * KeyBlock + 4)); }
        }
    }

    /// <summary>o[r, j..] += Σ_c p[r, c] v[c, j..] for TRows rows × TVectors Vector128s of head_dim from column <paramref name="j"/>, the output tile in registers across the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulatePass128<TMicro, TRows, TVectors, TLayout>(in TMicro micro, ref float p, int n, ref float v, nint vStride, ref float o, int j)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
        where TVectors : struct, ITileCount
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        ref float o0 = ref Unsafe.Add(ref o, j);
        Vector128<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector128<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector128<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector128<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector128<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector128<float> a50 = default, a51 = default, a52 = default, a53 = default;
        a00 = Vector128.LoadUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01 = Vector128.LoadUnsafe(ref o0, 4);
        if (TVectors.Count > 2) a02 = Vector128.LoadUnsafe(ref o0, 8);
        if (TVectors.Count > 3) a03 = Vector128.LoadUnsafe(ref o0, 12);
        if (TRows.Count > 1) a10 = Vector128.LoadUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11 = Vector128.LoadUnsafe(ref o0, (nuint)(1 * d + 4));
        if (TRows.Count > 1 && TVectors.Count > 2) a12 = Vector128.LoadUnsafe(ref o0, (nuint)(1 * d + 8));
        if (TRows.Count > 1 && TVectors.Count > 3) a13 = Vector128.LoadUnsafe(ref o0, (nuint)(1 * d + 12));
        if (TRows.Count > 2) a20 = Vector128.LoadUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21 = Vector128.LoadUnsafe(ref o0, (nuint)(2 * d + 4));
        if (TRows.Count > 2 && TVectors.Count > 2) a22 = Vector128.LoadUnsafe(ref o0, (nuint)(2 * d + 8));
        if (TRows.Count > 2 && TVectors.Count > 3) a23 = Vector128.LoadUnsafe(ref o0, (nuint)(2 * d + 12));
        if (TRows.Count > 3) a30 = Vector128.LoadUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31 = Vector128.LoadUnsafe(ref o0, (nuint)(3 * d + 4));
        if (TRows.Count > 3 && TVectors.Count > 2) a32 = Vector128.LoadUnsafe(ref o0, (nuint)(3 * d + 8));
        if (TRows.Count > 3 && TVectors.Count > 3) a33 = Vector128.LoadUnsafe(ref o0, (nuint)(3 * d + 12));
        if (TRows.Count > 4) a40 = Vector128.LoadUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41 = Vector128.LoadUnsafe(ref o0, (nuint)(4 * d + 4));
        if (TRows.Count > 4 && TVectors.Count > 2) a42 = Vector128.LoadUnsafe(ref o0, (nuint)(4 * d + 8));
        if (TRows.Count > 4 && TVectors.Count > 3) a43 = Vector128.LoadUnsafe(ref o0, (nuint)(4 * d + 12));
        if (TRows.Count > 5) a50 = Vector128.LoadUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51 = Vector128.LoadUnsafe(ref o0, (nuint)(5 * d + 4));
        if (TRows.Count > 5 && TVectors.Count > 2) a52 = Vector128.LoadUnsafe(ref o0, (nuint)(5 * d + 8));
        if (TRows.Count > 5 && TVectors.Count > 3) a53 = Vector128.LoadUnsafe(ref o0, (nuint)(5 * d + 12));

        ref float vc = ref Unsafe.Add(ref v, j);
        ref float pc = ref p;
        for (int c = 0; c < n; c++, vc = ref Unsafe.Add(ref vc, vStride), pc = ref Unsafe.Add(ref pc, TLayout.KeyStride))
        {
            Vector128<float> y0 = Vector128.LoadUnsafe(ref vc), y1 = default, y2 = default, y3 = default;
            if (TVectors.Count > 1) y1 = Vector128.LoadUnsafe(ref vc, 4);
            if (TVectors.Count > 2) y2 = Vector128.LoadUnsafe(ref vc, 8);
            if (TVectors.Count > 3) y3 = Vector128.LoadUnsafe(ref vc, 12);
            { var w = Vector128.Create(pc); a00 = SimdPolicy.MultiplyAdd(w, y0, a00); if (TVectors.Count > 1) a01 = SimdPolicy.MultiplyAdd(w, y1, a01); if (TVectors.Count > 2) a02 = SimdPolicy.MultiplyAdd(w, y2, a02); if (TVectors.Count > 3) a03 = SimdPolicy.MultiplyAdd(w, y3, a03); }
            if (TRows.Count > 1) { var w = Vector128.Create(Unsafe.Add(ref pc, 1 * TLayout.RowStride)); a10 = SimdPolicy.MultiplyAdd(w, y0, a10); if (TVectors.Count > 1) a11 = SimdPolicy.MultiplyAdd(w, y1, a11); if (TVectors.Count > 2) a12 = SimdPolicy.MultiplyAdd(w, y2, a12); if (TVectors.Count > 3) a13 = SimdPolicy.MultiplyAdd(w, y3, a13); }
            if (TRows.Count > 2) { var w = Vector128.Create(Unsafe.Add(ref pc, 2 * TLayout.RowStride)); a20 = SimdPolicy.MultiplyAdd(w, y0, a20); if (TVectors.Count > 1) a21 = SimdPolicy.MultiplyAdd(w, y1, a21); if (TVectors.Count > 2) a22 = SimdPolicy.MultiplyAdd(w, y2, a22); if (TVectors.Count > 3) a23 = SimdPolicy.MultiplyAdd(w, y3, a23); }
            if (TRows.Count > 3) { var w = Vector128.Create(Unsafe.Add(ref pc, 3 * TLayout.RowStride)); a30 = SimdPolicy.MultiplyAdd(w, y0, a30); if (TVectors.Count > 1) a31 = SimdPolicy.MultiplyAdd(w, y1, a31); if (TVectors.Count > 2) a32 = SimdPolicy.MultiplyAdd(w, y2, a32); if (TVectors.Count > 3) a33 = SimdPolicy.MultiplyAdd(w, y3, a33); }
            if (TRows.Count > 4) { var w = Vector128.Create(Unsafe.Add(ref pc, 4 * TLayout.RowStride)); a40 = SimdPolicy.MultiplyAdd(w, y0, a40); if (TVectors.Count > 1) a41 = SimdPolicy.MultiplyAdd(w, y1, a41); if (TVectors.Count > 2) a42 = SimdPolicy.MultiplyAdd(w, y2, a42); if (TVectors.Count > 3) a43 = SimdPolicy.MultiplyAdd(w, y3, a43); }
            if (TRows.Count > 5) { var w = Vector128.Create(Unsafe.Add(ref pc, 5 * TLayout.RowStride)); a50 = SimdPolicy.MultiplyAdd(w, y0, a50); if (TVectors.Count > 1) a51 = SimdPolicy.MultiplyAdd(w, y1, a51); if (TVectors.Count > 2) a52 = SimdPolicy.MultiplyAdd(w, y2, a52); if (TVectors.Count > 3) a53 = SimdPolicy.MultiplyAdd(w, y3, a53); }
        }

        a00.StoreUnsafe(ref o0, 0);
        if (TVectors.Count > 1) a01.StoreUnsafe(ref o0, 4);
        if (TVectors.Count > 2) a02.StoreUnsafe(ref o0, 8);
        if (TVectors.Count > 3) a03.StoreUnsafe(ref o0, 12);
        if (TRows.Count > 1) a10.StoreUnsafe(ref o0, (nuint)(1 * d + 0));
        if (TRows.Count > 1 && TVectors.Count > 1) a11.StoreUnsafe(ref o0, (nuint)(1 * d + 4));
        if (TRows.Count > 1 && TVectors.Count > 2) a12.StoreUnsafe(ref o0, (nuint)(1 * d + 8));
        if (TRows.Count > 1 && TVectors.Count > 3) a13.StoreUnsafe(ref o0, (nuint)(1 * d + 12));
        if (TRows.Count > 2) a20.StoreUnsafe(ref o0, (nuint)(2 * d + 0));
        if (TRows.Count > 2 && TVectors.Count > 1) a21.StoreUnsafe(ref o0, (nuint)(2 * d + 4));
        if (TRows.Count > 2 && TVectors.Count > 2) a22.StoreUnsafe(ref o0, (nuint)(2 * d + 8));
        if (TRows.Count > 2 && TVectors.Count > 3) a23.StoreUnsafe(ref o0, (nuint)(2 * d + 12));
        if (TRows.Count > 3) a30.StoreUnsafe(ref o0, (nuint)(3 * d + 0));
        if (TRows.Count > 3 && TVectors.Count > 1) a31.StoreUnsafe(ref o0, (nuint)(3 * d + 4));
        if (TRows.Count > 3 && TVectors.Count > 2) a32.StoreUnsafe(ref o0, (nuint)(3 * d + 8));
        if (TRows.Count > 3 && TVectors.Count > 3) a33.StoreUnsafe(ref o0, (nuint)(3 * d + 12));
        if (TRows.Count > 4) a40.StoreUnsafe(ref o0, (nuint)(4 * d + 0));
        if (TRows.Count > 4 && TVectors.Count > 1) a41.StoreUnsafe(ref o0, (nuint)(4 * d + 4));
        if (TRows.Count > 4 && TVectors.Count > 2) a42.StoreUnsafe(ref o0, (nuint)(4 * d + 8));
        if (TRows.Count > 4 && TVectors.Count > 3) a43.StoreUnsafe(ref o0, (nuint)(4 * d + 12));
        if (TRows.Count > 5) a50.StoreUnsafe(ref o0, (nuint)(5 * d + 0));
        if (TRows.Count > 5 && TVectors.Count > 1) a51.StoreUnsafe(ref o0, (nuint)(5 * d + 4));
        if (TRows.Count > 5 && TVectors.Count > 2) a52.StoreUnsafe(ref o0, (nuint)(5 * d + 8));
        if (TRows.Count > 5 && TVectors.Count > 3) a53.StoreUnsafe(ref o0, (nuint)(5 * d + 12));
    }

    /// <summary>Scores of TRows rows on the packed Kᵀ block, 6 × 2 floatss per tile at most (12 + 2 + 1 registers); column tiles of 2 keys up to <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresScalar<TMicro, TRows>(in TMicro micro, ref float q, ref float kt, int n, ref float s)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
    {
        int d = micro.HeadDim;
        for (int c = 0; c < n; c += 2)
        {
            ref float packed = ref Unsafe.Add(ref kt, c);
            float a00 = default, a01 = default;
            float a10 = default, a11 = default;
            float a20 = default, a21 = default;
            float a30 = default, a31 = default;
            float a40 = default, a41 = default;
            float a50 = default, a51 = default;
            ref float qi = ref q;
            for (int i = 0; i < d; i++, packed = ref Unsafe.Add(ref packed, KeyBlock), qi = ref Unsafe.Add(ref qi, 1))
            {
                float k0 = packed, k1 = Unsafe.Add(ref packed, 1);
                { var x = qi; a00 = x * k0 + a00; a01 = x * k1 + a01; }
                if (TRows.Count > 1) { var x = Unsafe.Add(ref qi, d); a10 = x * k0 + a10; a11 = x * k1 + a11; }
                if (TRows.Count > 2) { var x = Unsafe.Add(ref qi, 2 * d); a20 = x * k0 + a20; a21 = x * k1 + a21; }
                if (TRows.Count > 3) { var x = Unsafe.Add(ref qi, 3 * d); a30 = x * k0 + a30; a31 = x * k1 + a31; }
                if (TRows.Count > 4) { var x = Unsafe.Add(ref qi, 4 * d); a40 = x * k0 + a40; a41 = x * k1 + a41; }
                if (TRows.Count > 5) { var x = Unsafe.Add(ref qi, 5 * d); a50 = x * k0 + a50; a51 = x * k1 + a51; }
            }

            ref float row = ref Unsafe.Add(ref s, c);
            row = a00; Unsafe.Add(ref row, 1) = a01;
            if (TRows.Count > 1) { Unsafe.Add(ref row, 1 * KeyBlock + 0) = a10; Unsafe.Add(ref row, 1 * KeyBlock + 1) = a11; }
            if (TRows.Count > 2) { Unsafe.Add(ref row, 2 * KeyBlock + 0) = a20; Unsafe.Add(ref row, 2 * KeyBlock + 1) = a21; }
            if (TRows.Count > 3) { Unsafe.Add(ref row, 3 * KeyBlock + 0) = a30; Unsafe.Add(ref row, 3 * KeyBlock + 1) = a31; }
            if (TRows.Count > 4) { Unsafe.Add(ref row, 4 * KeyBlock + 0) = a40; Unsafe.Add(ref row, 4 * KeyBlock + 1) = a41; }
            if (TRows.Count > 5) { Unsafe.Add(ref row, 5 * KeyBlock + 0) = a50; Unsafe.Add(ref row, 5 * KeyBlock + 1) = a51; }
        }
    }

    /// <summary>o[r, j..] += Σ_c p[r, c] v[c, j..] for TRows rows × TVectors floatss of head_dim from column <paramref name="j"/>, the output tile in registers across the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulatePassScalar<TMicro, TRows, TVectors, TLayout>(in TMicro micro, ref float p, int n, ref float v, nint vStride, ref float o, int j)
        where TMicro : struct, IAttentionMicrokernels
        where TRows : struct, ITileCount
        where TVectors : struct, ITileCount
        where TLayout : struct, IScoreLayout
    {
        int d = micro.HeadDim;
        ref float o0 = ref Unsafe.Add(ref o, j);
        float a00 = default, a01 = default, a02 = default, a03 = default;
        float a10 = default, a11 = default, a12 = default, a13 = default;
        float a20 = default, a21 = default, a22 = default, a23 = default;
        float a30 = default, a31 = default, a32 = default, a33 = default;
        float a40 = default, a41 = default, a42 = default, a43 = default;
        float a50 = default, a51 = default, a52 = default, a53 = default;
        a00 = Unsafe.Add(ref o0, 0);
        if (TVectors.Count > 1) a01 = Unsafe.Add(ref o0, 1);
        if (TVectors.Count > 2) a02 = Unsafe.Add(ref o0, 2);
        if (TVectors.Count > 3) a03 = Unsafe.Add(ref o0, 3);
        if (TRows.Count > 1) a10 = Unsafe.Add(ref o0, 1 * d + 0);
        if (TRows.Count > 1 && TVectors.Count > 1) a11 = Unsafe.Add(ref o0, 1 * d + 1);
        if (TRows.Count > 1 && TVectors.Count > 2) a12 = Unsafe.Add(ref o0, 1 * d + 2);
        if (TRows.Count > 1 && TVectors.Count > 3) a13 = Unsafe.Add(ref o0, 1 * d + 3);
        if (TRows.Count > 2) a20 = Unsafe.Add(ref o0, 2 * d + 0);
        if (TRows.Count > 2 && TVectors.Count > 1) a21 = Unsafe.Add(ref o0, 2 * d + 1);
        if (TRows.Count > 2 && TVectors.Count > 2) a22 = Unsafe.Add(ref o0, 2 * d + 2);
        if (TRows.Count > 2 && TVectors.Count > 3) a23 = Unsafe.Add(ref o0, 2 * d + 3);
        if (TRows.Count > 3) a30 = Unsafe.Add(ref o0, 3 * d + 0);
        if (TRows.Count > 3 && TVectors.Count > 1) a31 = Unsafe.Add(ref o0, 3 * d + 1);
        if (TRows.Count > 3 && TVectors.Count > 2) a32 = Unsafe.Add(ref o0, 3 * d + 2);
        if (TRows.Count > 3 && TVectors.Count > 3) a33 = Unsafe.Add(ref o0, 3 * d + 3);
        if (TRows.Count > 4) a40 = Unsafe.Add(ref o0, 4 * d + 0);
        if (TRows.Count > 4 && TVectors.Count > 1) a41 = Unsafe.Add(ref o0, 4 * d + 1);
        if (TRows.Count > 4 && TVectors.Count > 2) a42 = Unsafe.Add(ref o0, 4 * d + 2);
        if (TRows.Count > 4 && TVectors.Count > 3) a43 = Unsafe.Add(ref o0, 4 * d + 3);
        if (TRows.Count > 5) a50 = Unsafe.Add(ref o0, 5 * d + 0);
        if (TRows.Count > 5 && TVectors.Count > 1) a51 = Unsafe.Add(ref o0, 5 * d + 1);
        if (TRows.Count > 5 && TVectors.Count > 2) a52 = Unsafe.Add(ref o0, 5 * d + 2);
        if (TRows.Count > 5 && TVectors.Count > 3) a53 = Unsafe.Add(ref o0, 5 * d + 3);

        ref float vc = ref Unsafe.Add(ref v, j);
        ref float pc = ref p;
        for (int c = 0; c < n; c++, vc = ref Unsafe.Add(ref vc, vStride), pc = ref Unsafe.Add(ref pc, TLayout.KeyStride))
        {
            float y0 = vc, y1 = default, y2 = default, y3 = default;
            if (TVectors.Count > 1) y1 = Unsafe.Add(ref vc, 1);
            if (TVectors.Count > 2) y2 = Unsafe.Add(ref vc, 2);
            if (TVectors.Count > 3) y3 = Unsafe.Add(ref vc, 3);
            { var w = pc; a00 = w * y0 + a00; if (TVectors.Count > 1) a01 = w * y1 + a01; if (TVectors.Count > 2) a02 = w * y2 + a02; if (TVectors.Count > 3) a03 = w * y3 + a03; }
            if (TRows.Count > 1) { var w = Unsafe.Add(ref pc, 1 * TLayout.RowStride); a10 = w * y0 + a10; if (TVectors.Count > 1) a11 = w * y1 + a11; if (TVectors.Count > 2) a12 = w * y2 + a12; if (TVectors.Count > 3) a13 = w * y3 + a13; }
            if (TRows.Count > 2) { var w = Unsafe.Add(ref pc, 2 * TLayout.RowStride); a20 = w * y0 + a20; if (TVectors.Count > 1) a21 = w * y1 + a21; if (TVectors.Count > 2) a22 = w * y2 + a22; if (TVectors.Count > 3) a23 = w * y3 + a23; }
            if (TRows.Count > 3) { var w = Unsafe.Add(ref pc, 3 * TLayout.RowStride); a30 = w * y0 + a30; if (TVectors.Count > 1) a31 = w * y1 + a31; if (TVectors.Count > 2) a32 = w * y2 + a32; if (TVectors.Count > 3) a33 = w * y3 + a33; }
            if (TRows.Count > 4) { var w = Unsafe.Add(ref pc, 4 * TLayout.RowStride); a40 = w * y0 + a40; if (TVectors.Count > 1) a41 = w * y1 + a41; if (TVectors.Count > 2) a42 = w * y2 + a42; if (TVectors.Count > 3) a43 = w * y3 + a43; }
            if (TRows.Count > 5) { var w = Unsafe.Add(ref pc, 5 * TLayout.RowStride); a50 = w * y0 + a50; if (TVectors.Count > 1) a51 = w * y1 + a51; if (TVectors.Count > 2) a52 = w * y2 + a52; if (TVectors.Count > 3) a53 = w * y3 + a53; }
        }

        Unsafe.Add(ref o0, 0) = a00;
        if (TVectors.Count > 1) Unsafe.Add(ref o0, 1) = a01;
        if (TVectors.Count > 2) Unsafe.Add(ref o0, 2) = a02;
        if (TVectors.Count > 3) Unsafe.Add(ref o0, 3) = a03;
        if (TRows.Count > 1) Unsafe.Add(ref o0, 1 * d + 0) = a10;
        if (TRows.Count > 1 && TVectors.Count > 1) Unsafe.Add(ref o0, 1 * d + 1) = a11;
        if (TRows.Count > 1 && TVectors.Count > 2) Unsafe.Add(ref o0, 1 * d + 2) = a12;
        if (TRows.Count > 1 && TVectors.Count > 3) Unsafe.Add(ref o0, 1 * d + 3) = a13;
        if (TRows.Count > 2) Unsafe.Add(ref o0, 2 * d + 0) = a20;
        if (TRows.Count > 2 && TVectors.Count > 1) Unsafe.Add(ref o0, 2 * d + 1) = a21;
        if (TRows.Count > 2 && TVectors.Count > 2) Unsafe.Add(ref o0, 2 * d + 2) = a22;
        if (TRows.Count > 2 && TVectors.Count > 3) Unsafe.Add(ref o0, 2 * d + 3) = a23;
        if (TRows.Count > 3) Unsafe.Add(ref o0, 3 * d + 0) = a30;
        if (TRows.Count > 3 && TVectors.Count > 1) Unsafe.Add(ref o0, 3 * d + 1) = a31;
        if (TRows.Count > 3 && TVectors.Count > 2) Unsafe.Add(ref o0, 3 * d + 2) = a32;
        if (TRows.Count > 3 && TVectors.Count > 3) Unsafe.Add(ref o0, 3 * d + 3) = a33;
        if (TRows.Count > 4) Unsafe.Add(ref o0, 4 * d + 0) = a40;
        if (TRows.Count > 4 && TVectors.Count > 1) Unsafe.Add(ref o0, 4 * d + 1) = a41;
        if (TRows.Count > 4 && TVectors.Count > 2) Unsafe.Add(ref o0, 4 * d + 2) = a42;
        if (TRows.Count > 4 && TVectors.Count > 3) Unsafe.Add(ref o0, 4 * d + 3) = a43;
        if (TRows.Count > 5) Unsafe.Add(ref o0, 5 * d + 0) = a50;
        if (TRows.Count > 5 && TVectors.Count > 1) Unsafe.Add(ref o0, 5 * d + 1) = a51;
        if (TRows.Count > 5 && TVectors.Count > 2) Unsafe.Add(ref o0, 5 * d + 2) = a52;
        if (TRows.Count > 5 && TVectors.Count > 3) Unsafe.Add(ref o0, 5 * d + 3) = a53;
    }
}
