using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelGen.Caching;

namespace KernelGen.Kernels;

/// <summary>
/// Dot product and scaled accumulation over a length known only at run time, the second operand a
/// row stored in <typeparamref name="TFormat"/> and widened to float as it is loaded (for
/// <see cref="KvFloat32"/>, plain float loads). The widest accelerated vector first, then narrower
/// ones, then scalars; widths and multiply-adds follow <see cref="SimdPolicy"/>. The generic kernels
/// use these; the generated kernels emit the same operations unrolled for their constant head_dim.
/// </summary>
internal static class CacheVectorOps<TFormat>
    where TFormat : struct, IKvCacheFormat
{
    /// <summary>Σ a[i]·b[i] for i &lt; n, b stored in <typeparamref name="TFormat"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref byte b, int n)
    {
        int i = 0;
        float sum = 0;
        if (SimdPolicy.Bits >= 512 && n >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), TFormat.Load512(ref b, (nuint)i), acc);
            }

            sum = Vector512.Sum(acc);
        }

        if (SimdPolicy.Bits >= 256 && n - i >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), TFormat.Load256(ref b, (nuint)i), acc);
            }

            sum += Vector256.Sum(acc);
        }

        if (SimdPolicy.Bits >= 128 && n - i >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref a, (nuint)i), TFormat.Load128(ref b, (nuint)i), acc);
            }

            sum += Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * TFormat.Load(ref b, i);
        }

        return sum;
    }

    /// <summary>acc[i] += s·x[i] for i &lt; n, x stored in <typeparamref name="TFormat"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref float acc, float s, ref byte x, int n)
    {
        int i = 0;
        if (SimdPolicy.Bits >= 512)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                SimdPolicy.MultiplyAdd(TFormat.Load512(ref x, (nuint)i), sv, Vector512.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 256)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                SimdPolicy.MultiplyAdd(TFormat.Load256(ref x, (nuint)i), sv, Vector256.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            var sv = Vector128.Create(s);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                SimdPolicy.MultiplyAdd(TFormat.Load128(ref x, (nuint)i), sv, Vector128.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref acc, i) += s * TFormat.Load(ref x, i);
        }
    }
}
