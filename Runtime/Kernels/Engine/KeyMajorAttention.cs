using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Decode of a 32-row stack (MQA's query heads on one KV head, or any KV group of 32) on the
/// Vector512 path with a float32 cache, without packing keys: the stack's queries are packed
/// transposed once per run (Qᵀ, 32 rows in two vectors per number of head_dim), and each key's 32
/// scores come from broadcasting its numbers straight from the cache against Qᵀ. The scores lie key
/// by key (<see cref="KeyMajorScores"/>), so the online softmax runs down the keys with each lane a
/// row: maxima, exps and sums are vertical, no horizontal reduction per row. P·V is the packed
/// algorithm's register-tiled GEMM reading the probabilities in that layout.
/// </summary>
/// <remarks>
/// The packed algorithm (<see cref="PackedAttention"/>) transposes every key block of every decode
/// step into Kᵀ for its 32 rows; on a 2-core Zen 5 that packing was 8% of MQA decode at 16K keys and
/// the per-row softmax (maximum, exps, sums, each reduced across lanes) another 8%. Here the 32 rows
/// are the lanes, so Qᵀ (16 KB at head_dim 128) is built once per run and the keys are read as they
/// are stored. Score tile: 8 keys × 2 vectors, 16 accumulators, each number of Qᵀ loaded once per
/// 8 keys and each key's number broadcast once per tile.
/// </remarks>
internal static class KeyMajorAttention
{
    /// <summary>Rows of the stack: two Vector512 of lanes.</summary>
    public const int Rows = AttentionAlgorithms.KeyMajorRows;

    /// <summary>Whether a packed run of <paramref name="rows"/> rows, keys <paramref name="step"/> apart, in <paramref name="format"/> takes this algorithm (<see cref="AttentionAlgorithms.KeyMajorDecode"/>).</summary>
    public static bool Applies(int rows, int step, KvCacheFormat format) => step == 1 && AttentionAlgorithms.KeyMajorDecode(rows, SimdPolicy.Bits, format);

    /// <summary><c>qt[i · 32 + r] = q[r · d + i]</c>: the stack's queries transposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackQueries<TMicro>(in TMicro micro, ref float q, ref float qt)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        for (int r = 0; r < Rows; r++)
        {
            ref float row = ref Unsafe.Add(ref q, r * d);
            for (int i = 0; i < d; i++)
            {
                Unsafe.Add(ref qt, i * Rows + r) = Unsafe.Add(ref row, i);
            }
        }
    }

    /// <summary><c>st[c · 32 + r] = q_r · k_c</c> for c &lt; <paramref name="n"/>; key c is <paramref name="k"/> + c · head_dim.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TMicro>(in TMicro micro, ref float qt, ref float k, int n, ref float st)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        int c = 0;
        for (; c + 8 <= n; c += 8)
        {
            Scores8(micro, ref qt, ref Unsafe.Add(ref k, c * d), ref Unsafe.Add(ref st, c * Rows));
        }

        for (; c < n; c++)
        {
            ref float key = ref Unsafe.Add(ref k, c * d);
            Vector512<float> a0 = default, a1 = default;
            for (int i = 0; i < d; i++)
            {
                var x = Vector512.Create(Unsafe.Add(ref key, i));
                a0 = SimdPolicy.MultiplyAdd(x, Vector512.LoadUnsafe(ref qt, (nuint)(i * Rows)), a0);
                a1 = SimdPolicy.MultiplyAdd(x, Vector512.LoadUnsafe(ref qt, (nuint)(i * Rows + 16)), a1);
            }

            a0.StoreUnsafe(ref st, (nuint)(c * Rows));
            a1.StoreUnsafe(ref st, (nuint)(c * Rows + 16));
        }
    }

    /// <summary>Eight keys' scores: 16 accumulators, Qᵀ's two vectors loaded once per number for all eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores8<TMicro>(in TMicro micro, ref float qt, ref float k, ref float st)
        where TMicro : struct, IAttentionMicrokernels
    {
        int d = micro.HeadDim;
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
        Vector512<float> a40 = default, a41 = default, a50 = default, a51 = default, a60 = default, a61 = default, a70 = default, a71 = default;
        ref float k0 = ref k;
        ref float qi = ref qt;
        for (int i = 0; i < d; i++, k0 = ref Unsafe.Add(ref k0, 1), qi = ref Unsafe.Add(ref qi, Rows))
        {
            var q0 = Vector512.LoadUnsafe(ref qi);
            var q1 = Vector512.LoadUnsafe(ref qi, 16);
            var x = Vector512.Create(k0); a00 = SimdPolicy.MultiplyAdd(x, q0, a00); a01 = SimdPolicy.MultiplyAdd(x, q1, a01);
            x = Vector512.Create(Unsafe.Add(ref k0, d)); a10 = SimdPolicy.MultiplyAdd(x, q0, a10); a11 = SimdPolicy.MultiplyAdd(x, q1, a11);
            x = Vector512.Create(Unsafe.Add(ref k0, 2 * d)); a20 = SimdPolicy.MultiplyAdd(x, q0, a20); a21 = SimdPolicy.MultiplyAdd(x, q1, a21);
            x = Vector512.Create(Unsafe.Add(ref k0, 3 * d)); a30 = SimdPolicy.MultiplyAdd(x, q0, a30); a31 = SimdPolicy.MultiplyAdd(x, q1, a31);
            x = Vector512.Create(Unsafe.Add(ref k0, 4 * d)); a40 = SimdPolicy.MultiplyAdd(x, q0, a40); a41 = SimdPolicy.MultiplyAdd(x, q1, a41);
            x = Vector512.Create(Unsafe.Add(ref k0, 5 * d)); a50 = SimdPolicy.MultiplyAdd(x, q0, a50); a51 = SimdPolicy.MultiplyAdd(x, q1, a51);
            x = Vector512.Create(Unsafe.Add(ref k0, 6 * d)); a60 = SimdPolicy.MultiplyAdd(x, q0, a60); a61 = SimdPolicy.MultiplyAdd(x, q1, a61);
            x = Vector512.Create(Unsafe.Add(ref k0, 7 * d)); a70 = SimdPolicy.MultiplyAdd(x, q0, a70); a71 = SimdPolicy.MultiplyAdd(x, q1, a71);
        }

        a00.StoreUnsafe(ref st, 0); a01.StoreUnsafe(ref st, 16);
        a10.StoreUnsafe(ref st, 32); a11.StoreUnsafe(ref st, 48);
        a20.StoreUnsafe(ref st, 64); a21.StoreUnsafe(ref st, 80);
        a30.StoreUnsafe(ref st, 96); a31.StoreUnsafe(ref st, 112);
        a40.StoreUnsafe(ref st, 128); a41.StoreUnsafe(ref st, 144);
        a50.StoreUnsafe(ref st, 160); a51.StoreUnsafe(ref st, 176);
        a60.StoreUnsafe(ref st, 192); a61.StoreUnsafe(ref st, 208);
        a70.StoreUnsafe(ref st, 224); a71.StoreUnsafe(ref st, 240);
    }

    /// <summary>
    /// The online softmax over <paramref name="n"/> keys' scores of the 32 rows, each lane a row: the
    /// running maxima raised (sums, and outputs whose maximum grew, rescaled by exp(m_old − m_new)),
    /// then each score replaced by exp(s − m) and added to its row's sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax<TMicro>(in TMicro micro, ref float st, int n, ref float max, ref float sum, ref float outputs)
        where TMicro : struct, IAttentionMicrokernels
    {
        var m0 = Vector512.Create(float.NegativeInfinity);
        var m1 = m0;
        for (int c = 0; c < n; c++)
        {
            m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref st, (nuint)(c * Rows)));
            m1 = Vector512.Max(m1, Vector512.LoadUnsafe(ref st, (nuint)(c * Rows + 16)));
        }

        var old0 = Vector512.LoadUnsafe(ref max);
        var old1 = Vector512.LoadUnsafe(ref max, 16);
        var new0 = Vector512.Max(old0, m0);
        var new1 = Vector512.Max(old1, m1);
        var grew0 = Vector512.GreaterThan(new0, old0);
        var grew1 = Vector512.GreaterThan(new1, old1);
        var s0 = Vector512.LoadUnsafe(ref sum);
        var s1 = Vector512.LoadUnsafe(ref sum, 16);
        if (grew0 != Vector512<float>.Zero || grew1 != Vector512<float>.Zero)
        {
            // exp(−∞ − m) = 0 for a row's first keys (its sum and output are still 0); lanes that did not grow keep factor 1.
            var c0 = Vector512.ConditionalSelect(grew0, FastExp.SoftmaxExp(old0 - new0), Vector512<float>.One);
            var c1 = Vector512.ConditionalSelect(grew1, FastExp.SoftmaxExp(old1 - new1), Vector512<float>.One);
            s0 *= c0;
            s1 *= c1;
            uint grown = (uint)grew0.ExtractMostSignificantBits() | ((uint)grew1.ExtractMostSignificantBits() << 16);
            int d = micro.HeadDim;
            while (grown != 0)
            {
                int r = System.Numerics.BitOperations.TrailingZeroCount(grown);
                grown &= grown - 1;
                float factor = r < 16 ? c0.GetElement(r) : c1.GetElement(r - 16);
                micro.Scale(ref Unsafe.Add(ref outputs, r * d), factor);
            }
        }

        for (int c = 0; c < n; c++)
        {
            var e0 = FastExp.SoftmaxExp(Vector512.LoadUnsafe(ref st, (nuint)(c * Rows)) - new0);
            var e1 = FastExp.SoftmaxExp(Vector512.LoadUnsafe(ref st, (nuint)(c * Rows + 16)) - new1);
            e0.StoreUnsafe(ref st, (nuint)(c * Rows));
            e1.StoreUnsafe(ref st, (nuint)(c * Rows + 16));
            s0 += e0;
            s1 += e1;
        }

        new0.StoreUnsafe(ref max);
        new1.StoreUnsafe(ref max, 16);
        s0.StoreUnsafe(ref sum);
        s1.StoreUnsafe(ref sum, 16);
    }
}
