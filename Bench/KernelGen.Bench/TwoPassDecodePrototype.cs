using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench;

/// <summary>
/// An experiment for the kernel owners, not used by the runtime or the sample: decode attention for
/// head_dim 8 and groups of 2 (stories260K) written the way the profile of the golden run asks for,
/// so the benchmark can show what the generated decode kernel could gain. Output is the golden
/// story, byte for byte (checked in each benchmark's setup).
/// </summary>
/// <remarks>
/// Differences from the generated kernel: (1) decode uses a two-pass softmax over the whole row
/// (scores, one max, one exp pass, one value pass) instead of an online softmax per block of 64, so
/// there is no rescaling and no per-block bookkeeping; (2) scores come 8 keys at a time: eight
/// products reduced by a tree of horizontal adds into one vector of 8 scores, instead of a full
/// horizontal sum per key and head; (3) the max is kept in a vector while scoring. Needs AVX.
/// </remarks>
public sealed class TwoPassDecodePrototype : AttentionKernels
{
    private const int HeadDim = 8;
    private const int Group = 2;
    private readonly float[] _scores;   // [Group][capacity], probabilities after the exp pass
    private readonly int _rowStride;

    /// <summary>Creates the prototype for a stories260K-like shape.</summary>
    public TwoPassDecodePrototype(ModelShape shape)
        : base(shape, "two-pass decode prototype")
    {
        if (shape.HeadDim != HeadDim || shape.GroupSize != Group || !Avx.IsSupported)
        {
            throw new ArgumentException("The prototype handles head_dim 8, groups of 2, on AVX machines only.", nameof(shape));
        }

        _rowStride = shape.MaxSeqLen + 8;
        _scores = new float[Group * _rowStride];
    }

    /// <inheritdoc />
    public override string Description => "prototype: two-pass softmax, 8 keys per step; head_dim 8, group 2; AVX";

    /// <inheritdoc />
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)
    {
        // Causal: position t attends 0..t, all already in the cache, exactly as a decode step at t.
        int dim = Shape.Dim;
        for (int t = 0; t < count; t++)
        {
            DecodeCore(cache, layer, start + t, query.Slice(t * dim, dim), output.Slice(t * dim, dim));
        }
    }

    /// <inheritdoc />
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)
    {
        int length = position + 1;
        var scale = Vector256.Create(1f / MathF.Sqrt(HeadDim));
        ref float scores0 = ref MemoryMarshal.GetArrayDataReference(_scores);
        ref float scores1 = ref Unsafe.Add(ref scores0, _rowStride);
        ref float queries = ref MemoryMarshal.GetReference(query);
        ref float outputs = ref MemoryMarshal.GetReference(output);
        for (int kvHead = 0; kvHead < Shape.KvHeads; kvHead++)
        {
            ref float keys = ref cache.KeysRef(layer, kvHead);
            ref float values = ref cache.ValuesRef(layer, kvHead);
            var q0 = Vector256.LoadUnsafe(ref queries, (nuint)(kvHead * Group * HeadDim)) * scale;
            var q1 = Vector256.LoadUnsafe(ref queries, (nuint)(kvHead * Group * HeadDim + HeadDim)) * scale;

            // Pass 1: scores, 8 keys per step, and the running max as a vector.
            var max0 = Vector256.Create(float.NegativeInfinity);
            var max1 = max0;
            int t = 0;
            for (; t + 8 <= length; t += 8)
            {
                ref float k = ref Unsafe.Add(ref keys, t * HeadDim);
                var k0 = Vector256.LoadUnsafe(ref k, 0);
                var k1 = Vector256.LoadUnsafe(ref k, 8);
                var k2 = Vector256.LoadUnsafe(ref k, 16);
                var k3 = Vector256.LoadUnsafe(ref k, 24);
                var k4 = Vector256.LoadUnsafe(ref k, 32);
                var k5 = Vector256.LoadUnsafe(ref k, 40);
                var k6 = Vector256.LoadUnsafe(ref k, 48);
                var k7 = Vector256.LoadUnsafe(ref k, 56);
                var s0 = Sum8(k0 * q0, k1 * q0, k2 * q0, k3 * q0, k4 * q0, k5 * q0, k6 * q0, k7 * q0);
                var s1 = Sum8(k0 * q1, k1 * q1, k2 * q1, k3 * q1, k4 * q1, k5 * q1, k6 * q1, k7 * q1);
                s0.StoreUnsafe(ref scores0, (nuint)t);
                s1.StoreUnsafe(ref scores1, (nuint)t);
                max0 = Vector256.Max(max0, s0);
                max1 = Vector256.Max(max1, s1);
            }

            float m0 = HorizontalMax(max0), m1 = HorizontalMax(max1);
            for (; t < length; t++)
            {
                var k = Vector256.LoadUnsafe(ref Unsafe.Add(ref keys, t * HeadDim));
                float s0 = Vector256.Sum(k * q0), s1 = Vector256.Sum(k * q1);
                Unsafe.Add(ref scores0, t) = s0;
                Unsafe.Add(ref scores1, t) = s1;
                m0 = Math.Max(m0, s0);
                m1 = Math.Max(m1, s1);
            }

            // Pass 2: exp(s − max) in place, and the sums.
            float sum0 = ExpShifted(ref scores0, length, m0), sum1 = ExpShifted(ref scores1, length, m1);

            // Pass 3: each value read once for both heads of the group.
            var acc0 = Vector256<float>.Zero;
            var acc1 = acc0;
            for (int v = 0; v < length; v++)
            {
                var value = Vector256.LoadUnsafe(ref Unsafe.Add(ref values, v * HeadDim));
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref scores0, v)), value, acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref scores1, v)), value, acc1);
            }

            (acc0 / sum0).StoreUnsafe(ref outputs, (nuint)(kvHead * Group * HeadDim));
            (acc1 / sum1).StoreUnsafe(ref outputs, (nuint)(kvHead * Group * HeadDim + HeadDim));
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

    private static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        return Math.Max(Math.Max(m.GetElement(0), m.GetElement(1)), Math.Max(m.GetElement(2), m.GetElement(3)));
    }

    private static float ExpShifted(ref float scores, int length, float max)
    {
        var shift = Vector256.Create(max);
        var total = Vector256<float>.Zero;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            var e = Vector256.Exp(Vector256.LoadUnsafe(ref scores, (nuint)i) - shift);
            e.StoreUnsafe(ref scores, (nuint)i);
            total += e;
        }

        float sum = Vector256.Sum(total);
        for (; i < length; i++)
        {
            float e = MathF.Exp(Unsafe.Add(ref scores, i) - max);
            Unsafe.Add(ref scores, i) = e;
            sum += e;
        }

        return sum;
    }
}
