using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>
/// Scaling over a length known only at run time: the widest accelerated vector first (by
/// <see cref="SimdPolicy"/>), then narrower ones, then scalars. The dot product and the scaled
/// accumulation live in <see cref="CacheVectorOps{TFormat}"/>, generic over how the second operand is
/// stored (<see cref="Caching.KvFloat32"/> for plain floats).
/// </summary>
internal static class VectorOps
{
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
