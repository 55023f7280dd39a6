using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// The microkernels for a head_dim known only at run time: the same register blocking as the
/// generated ones (2 rows × 4 keys for scores, 2 rows × 4 vectors for accumulation), with loops
/// over head_dim and a scalar tail where head_dim is not a multiple of the vector width.
/// Vector256 carries the work (the widest width on most x86 machines; see <see cref="SimdPolicy"/>);
/// narrower and scalar paths follow.
/// </summary>
public readonly struct RuntimeMicrokernels : IAttentionMicrokernels
{
    private readonly int _headDim;

    /// <summary>Microkernels for rows of <paramref name="headDim"/> floats.</summary>
    public RuntimeMicrokernels(int headDim) => _headDim = headDim;

    /// <inheritdoc />
    public int HeadDim => _headDim;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scores<TFormat>(ref float q, int rows, ref byte k, int cols, ref float s, int sStride)
        where TFormat : struct, IKvCacheFormat
    {
        if (SimdPolicy.Bits >= 256)
        {
            Scores256<TFormat>(ref q, rows, ref k, cols, ref s, sStride);
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    Unsafe.Add(ref s, r * sStride + c) = CacheVectorOps<TFormat>.Dot(ref Unsafe.Add(ref q, r * _headDim), ref Unsafe.Add(ref k, c * _headDim * TFormat.ElementBytes), _headDim);
                }
            }
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Accumulate<TFormat>(ref float p, int pStride, int rows, ref byte v, int cols, ref float o)
        where TFormat : struct, IKvCacheFormat
    {
        if (SimdPolicy.Bits >= 256)
        {
            Accumulate256<TFormat>(ref p, pStride, rows, ref v, cols, ref o);
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    CacheVectorOps<TFormat>.MultiplyAdd(ref Unsafe.Add(ref o, r * _headDim), Unsafe.Add(ref p, r * pStride + c), ref Unsafe.Add(ref v, c * _headDim * TFormat.ElementBytes), _headDim);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Scale(ref float x, float factor) => VectorOps.Scale(ref x, factor, _headDim);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scores256<TFormat>(ref float q, int rows, ref byte k, int cols, ref float s, int sStride)
        where TFormat : struct, IKvCacheFormat
    {
        int d = _headDim;
        int rowBytes = d * TFormat.ElementBytes;
        int r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            ref float q0 = ref Unsafe.Add(ref q, r * d);
            ref float q1 = ref Unsafe.Add(ref q0, d);
            ref float s0 = ref Unsafe.Add(ref s, r * sStride);
            ref float s1 = ref Unsafe.Add(ref s0, sStride);
            int c = 0;
            for (; c + 4 <= cols; c += 4)
            {
                ref byte k0 = ref Unsafe.Add(ref k, c * rowBytes);
                ref byte k1 = ref Unsafe.Add(ref k0, rowBytes);
                ref byte k2 = ref Unsafe.Add(ref k1, rowBytes);
                ref byte k3 = ref Unsafe.Add(ref k2, rowBytes);
                Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
                int i = 0;
                for (; i + 8 <= d; i += 8)
                {
                    var x0 = Vector256.LoadUnsafe(ref q0, (nuint)i);
                    var x1 = Vector256.LoadUnsafe(ref q1, (nuint)i);
                    var y = TFormat.Load256(ref k0, (nuint)i);
                    a00 = SimdPolicy.MultiplyAdd(x0, y, a00);
                    a10 = SimdPolicy.MultiplyAdd(x1, y, a10);
                    y = TFormat.Load256(ref k1, (nuint)i);
                    a01 = SimdPolicy.MultiplyAdd(x0, y, a01);
                    a11 = SimdPolicy.MultiplyAdd(x1, y, a11);
                    y = TFormat.Load256(ref k2, (nuint)i);
                    a02 = SimdPolicy.MultiplyAdd(x0, y, a02);
                    a12 = SimdPolicy.MultiplyAdd(x1, y, a12);
                    y = TFormat.Load256(ref k3, (nuint)i);
                    a03 = SimdPolicy.MultiplyAdd(x0, y, a03);
                    a13 = SimdPolicy.MultiplyAdd(x1, y, a13);
                }

                var sums0 = Microkernels.Reduce4(a00, a01, a02, a03);
                var sums1 = Microkernels.Reduce4(a10, a11, a12, a13);
                for (; i < d; i++)
                {
                    float x0 = Unsafe.Add(ref q0, i), x1 = Unsafe.Add(ref q1, i);
                    var y = Vector128.Create(TFormat.Load(ref k0, i), TFormat.Load(ref k1, i), TFormat.Load(ref k2, i), TFormat.Load(ref k3, i));
                    sums0 += y * x0;
                    sums1 += y * x1;
                }

                sums0.StoreUnsafe(ref s0, (nuint)c);
                sums1.StoreUnsafe(ref s1, (nuint)c);
            }

            for (; c < cols; c++)
            {
                ref byte kc = ref Unsafe.Add(ref k, c * rowBytes);
                Unsafe.Add(ref s0, c) = CacheVectorOps<TFormat>.Dot(ref q0, ref kc, d);
                Unsafe.Add(ref s1, c) = CacheVectorOps<TFormat>.Dot(ref q1, ref kc, d);
            }
        }

        for (; r < rows; r++)
        {
            ref float qr = ref Unsafe.Add(ref q, r * d);
            for (int c = 0; c < cols; c++)
            {
                Unsafe.Add(ref s, r * sStride + c) = CacheVectorOps<TFormat>.Dot(ref qr, ref Unsafe.Add(ref k, c * rowBytes), d);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate256<TFormat>(ref float p, int pStride, int rows, ref byte v, int cols, ref float o)
        where TFormat : struct, IKvCacheFormat
    {
        int d = _headDim;
        int rowBytes = d * TFormat.ElementBytes;
        int r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            ref float p0 = ref Unsafe.Add(ref p, r * pStride);
            ref float p1 = ref Unsafe.Add(ref p0, pStride);
            ref float o0 = ref Unsafe.Add(ref o, r * d);
            ref float o1 = ref Unsafe.Add(ref o0, d);
            int i = 0;
            for (; i + 32 <= d; i += 32)
            {
                var a00 = Vector256.LoadUnsafe(ref o0, (nuint)i);
                var a01 = Vector256.LoadUnsafe(ref o0, (nuint)(i + 8));
                var a02 = Vector256.LoadUnsafe(ref o0, (nuint)(i + 16));
                var a03 = Vector256.LoadUnsafe(ref o0, (nuint)(i + 24));
                var a10 = Vector256.LoadUnsafe(ref o1, (nuint)i);
                var a11 = Vector256.LoadUnsafe(ref o1, (nuint)(i + 8));
                var a12 = Vector256.LoadUnsafe(ref o1, (nuint)(i + 16));
                var a13 = Vector256.LoadUnsafe(ref o1, (nuint)(i + 24));
                ref byte vc = ref Unsafe.Add(ref v, i * TFormat.ElementBytes);
                for (int c = 0; c < cols; c++, vc = ref Unsafe.Add(ref vc, rowBytes))
                {
                    var w0 = Vector256.Create(Unsafe.Add(ref p0, c));
                    var w1 = Vector256.Create(Unsafe.Add(ref p1, c));
                    var y = TFormat.Load256(ref vc, 0);
                    a00 = SimdPolicy.MultiplyAdd(w0, y, a00);
                    a10 = SimdPolicy.MultiplyAdd(w1, y, a10);
                    y = TFormat.Load256(ref vc, 8);
                    a01 = SimdPolicy.MultiplyAdd(w0, y, a01);
                    a11 = SimdPolicy.MultiplyAdd(w1, y, a11);
                    y = TFormat.Load256(ref vc, 16);
                    a02 = SimdPolicy.MultiplyAdd(w0, y, a02);
                    a12 = SimdPolicy.MultiplyAdd(w1, y, a12);
                    y = TFormat.Load256(ref vc, 24);
                    a03 = SimdPolicy.MultiplyAdd(w0, y, a03);
                    a13 = SimdPolicy.MultiplyAdd(w1, y, a13);
                }

                a00.StoreUnsafe(ref o0, (nuint)i);
                a01.StoreUnsafe(ref o0, (nuint)(i + 8));
                a02.StoreUnsafe(ref o0, (nuint)(i + 16));
                a03.StoreUnsafe(ref o0, (nuint)(i + 24));
                a10.StoreUnsafe(ref o1, (nuint)i);
                a11.StoreUnsafe(ref o1, (nuint)(i + 8));
                a12.StoreUnsafe(ref o1, (nuint)(i + 16));
                a13.StoreUnsafe(ref o1, (nuint)(i + 24));
            }

            for (; i + 8 <= d; i += 8)
            {
                var a0 = Vector256.LoadUnsafe(ref o0, (nuint)i);
                var a1 = Vector256.LoadUnsafe(ref o1, (nuint)i);
                for (int c = 0; c < cols; c++)
                {
                    var y = TFormat.Load256(ref Unsafe.Add(ref v, c * rowBytes), (nuint)i);
                    a0 = SimdPolicy.MultiplyAdd(Vector256.Create(Unsafe.Add(ref p0, c)), y, a0);
                    a1 = SimdPolicy.MultiplyAdd(Vector256.Create(Unsafe.Add(ref p1, c)), y, a1);
                }

                a0.StoreUnsafe(ref o0, (nuint)i);
                a1.StoreUnsafe(ref o1, (nuint)i);
            }

            for (; i < d; i++)
            {
                float a0 = Unsafe.Add(ref o0, i), a1 = Unsafe.Add(ref o1, i);
                for (int c = 0; c < cols; c++)
                {
                    float y = TFormat.Load(ref Unsafe.Add(ref v, c * rowBytes), i);
                    a0 += Unsafe.Add(ref p0, c) * y;
                    a1 += Unsafe.Add(ref p1, c) * y;
                }

                Unsafe.Add(ref o0, i) = a0;
                Unsafe.Add(ref o1, i) = a1;
            }
        }

        for (; r < rows; r++)
        {
            ref float pr = ref Unsafe.Add(ref p, r * pStride);
            ref float or = ref Unsafe.Add(ref o, r * d);
            for (int c = 0; c < cols; c++)
            {
                CacheVectorOps<TFormat>.MultiplyAdd(ref or, Unsafe.Add(ref pr, c), ref Unsafe.Add(ref v, c * rowBytes), d);
            }
        }
    }
}
