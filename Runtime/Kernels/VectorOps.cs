using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>
/// Dot product and scaled accumulation over a length known only at run time: the widest
/// accelerated vector first, then narrower ones, then scalars. The generic kernels use these;
/// the generated kernels emit the same operations unrolled for their constant head_dim. Widths and
/// multiply-adds follow <see cref="SimdPolicy"/>: fused where the ISA fuses, a multiply and an add
/// elsewhere.
/// </summary>
internal static class VectorOps
{
    /// <summary>Σ a[i]·b[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0;
        if (SimdPolicy.Bits >= 512 && n >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum = Vector512.Sum(acc);
        }

        if (SimdPolicy.Bits >= 256 && n - i >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum += Vector256.Sum(acc);
        }

        if (SimdPolicy.Bits >= 128 && n - i >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc = SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum += Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>acc[i] += s·x[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref float acc, float s, ref float x, int n)
    {
        int i = 0;
        if (SimdPolicy.Bits >= 512)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), sv, Vector512.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 256)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                SimdPolicy.MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), sv, Vector256.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            var sv = Vector128.Create(s);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref x, (nuint)i), sv, Vector128.LoadUnsafe(ref acc, (nuint)i))
                    .StoreUnsafe(ref acc, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref acc, i) += s * Unsafe.Add(ref x, i);
        }
    }

    /// <summary>x[i] *= s for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(ref float x, float s, int n)
    {
        int i = 0;
        if (SimdPolicy.Bits >= 512)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref x, (nuint)i) * sv).StoreUnsafe(ref x, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 256)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref x, (nuint)i) * sv).StoreUnsafe(ref x, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            var sv = Vector128.Create(s);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                (Vector128.LoadUnsafe(ref x, (nuint)i) * sv).StoreUnsafe(ref x, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref x, i) *= s;
        }
    }
}
