using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>
/// Streaming ("online") softmax: softmax over a long row computed block by block, keeping only a
/// running maximum m and a running sum l, and rescaling what was accumulated so far by
/// <c>exp(m_old − m_new)</c> whenever the maximum grows (Milakov &amp; Gimelshein 2018; the core of
/// FlashAttention, Dao et al. 2022). Shared by the generic and the generated kernels.
/// </summary>
public static class OnlineSoftmax
{
    /// <summary>
    /// Folds one block of scores into a row's running state. Replaces each score s by
    /// <c>exp(s − m_new)</c> (a masked score, −∞, becomes 0), adds them to <paramref name="runningSum"/>
    /// and returns the factor by which the caller must rescale its accumulated output.
    /// </summary>
    /// <param name="scores">The block's scores, already multiplied by 1/√head_dim.</param>
    /// <param name="runningMax">m: the largest score seen so far in this row (−∞ before the first block).</param>
    /// <param name="runningSum">l: the sum of exp(s − m) over the scores seen so far.</param>
    /// <returns><c>exp(m_old − m_new)</c>: 1 when the maximum did not change, 0 for the first block.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Update(Span<float> scores, ref float runningMax, ref float runningSum)
    {
        float correction = RaiseMax(scores, ref runningMax, ref runningSum);
        AddExp(scores, runningMax, ref runningSum);
        return correction;
    }

    /// <summary>
    /// The first half of <see cref="Update"/>: raises the row's running maximum to cover
    /// <paramref name="scores"/>, rescales its running sum, and returns the factor by which the
    /// caller must rescale its accumulated output (1 when the maximum did not grow, 0 for the first
    /// block). A kernel that raises every row's maximum of a block before it computes any of the
    /// block's exps (<see cref="AddExp"/>) leaves those exps nothing to wait for; row by row, each
    /// row's exps wait on its maximum's reduction.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float RaiseMax(ReadOnlySpan<float> scores, ref float runningMax, ref float runningSum)
    {
        float newMax = Math.Max(runningMax, Max(scores));
        if (newMax == runningMax)
        {
            // Later blocks rarely raise the maximum: then there is nothing to rescale and no exp.
            return 1f;
        }

        float correction = MathF.Exp(runningMax - newMax);
        runningSum *= correction;
        runningMax = newMax;
        return correction;
    }

    /// <summary>
    /// The second half of <see cref="Update"/>: replaces each score s by <c>exp(s − max)</c> (a
    /// masked score, −∞, becomes 0) and adds them to <paramref name="runningSum"/>. While every
    /// score so far is masked (max −∞) the scores become 0 and the sum stays 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddExp(Span<float> scores, float runningMax, ref float runningSum)
    {
        if (float.IsNegativeInfinity(runningMax))
        {
            scores.Clear();
            return;
        }

        runningSum += ExpShiftedInPlace(scores, runningMax);
    }

    /// <summary>The largest element of <paramref name="values"/> (−∞ when empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        float max = float.NegativeInfinity;
        if (SimdPolicy.Bits >= 512 && n >= Vector512<float>.Count)
        {
            var best = Vector512.Create(float.NegativeInfinity);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                best = Vector512.Max(best, Vector512.LoadUnsafe(ref start, (nuint)i));
            }

            max = HorizontalMax(best.GetLower(), best.GetUpper());
        }
        else if (SimdPolicy.Bits >= 256 && n >= Vector256<float>.Count)
        {
            var best = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                best = Vector256.Max(best, Vector256.LoadUnsafe(ref start, (nuint)i));
            }

            max = HorizontalMax(best, best);
        }
        else if (SimdPolicy.Bits >= 128 && n >= Vector128<float>.Count)
        {
            var best = Vector128.Create(float.NegativeInfinity);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                best = Vector128.Max(best, Vector128.LoadUnsafe(ref start, (nuint)i));
            }

            for (int lane = 0; lane < Vector128<float>.Count; lane++)
            {
                max = Math.Max(max, best.GetElement(lane));
            }
        }

        for (; i < n; i++)
        {
            max = Math.Max(max, Unsafe.Add(ref start, i));
        }

        return max;
    }

    /// <summary>Replaces each x by exp(x − <paramref name="shift"/>) and returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ExpShiftedInPlace(Span<float> values, float shift)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        float sum = 0;
        if (SimdPolicy.Bits >= 512 && n >= Vector512<float>.Count)
        {
            var shiftVector = Vector512.Create(shift);
            var total = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var e = FastExp.SoftmaxExp(Vector512.LoadUnsafe(ref start, (nuint)i) - shiftVector);
                e.StoreUnsafe(ref start, (nuint)i);
                total += e;
            }

            sum = Vector512.Sum(total);
        }
        else if (SimdPolicy.Bits >= 256 && n >= Vector256<float>.Count)
        {
            var shiftVector = Vector256.Create(shift);
            var total = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var e = FastExp.SoftmaxExp(Vector256.LoadUnsafe(ref start, (nuint)i) - shiftVector);
                e.StoreUnsafe(ref start, (nuint)i);
                total += e;
            }

            sum = Vector256.Sum(total);
        }
        else if (SimdPolicy.Bits >= 128 && n >= Vector128<float>.Count)
        {
            var shiftVector = Vector128.Create(shift);
            var total = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var e = FastExp.SoftmaxExp(Vector128.LoadUnsafe(ref start, (nuint)i) - shiftVector);
                e.StoreUnsafe(ref start, (nuint)i);
                total += e;
            }

            sum = Vector128.Sum(total);
        }

        for (; i < n; i++)
        {
            float e = MathF.Exp(Unsafe.Add(ref start, i) - shift);
            Unsafe.Add(ref start, i) = e;
            sum += e;
        }

        return sum;
    }

    private static float HorizontalMax(Vector256<float> a, Vector256<float> b)
    {
        var m = Vector256.Max(a, b);
        var m128 = Vector128.Max(m.GetLower(), m.GetUpper());
        float max = float.NegativeInfinity;
        for (int lane = 0; lane < Vector128<float>.Count; lane++)
        {
            max = Math.Max(max, m128.GetElement(lane));
        }

        return max;
    }
}
