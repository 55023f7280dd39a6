using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Kernels;

namespace KernelGen.Decoding;

/// <summary>
/// y = W·x (or y += W·x) for a row-major <c>[rows][cols]</c> matrix: the decoder's projections,
/// where nearly all of a token's arithmetic and memory traffic goes.
/// </summary>
/// <remarks>
/// <para>Four rows at a time: each chunk of x is loaded once and serves four rows, four independent
/// FMA chains keep both FMA ports busy, and the four row sums are reduced together with two rounds
/// of horizontal adds into one 128-bit store. Columns run on the widest accelerated vector, then one
/// 128-bit chunk, then scalars; leftover rows go one at a time. The width and the multiply-adds follow
/// <see cref="SimdPolicy"/>, the kernels' policy: <c>KERNELGEN_SIMD</c> narrows these loops too, and
/// an ISA without FMA gets a multiply and an add instead of the runtime's software fused form.</para>
/// <para>The matrices stay in the checkpoint's own layout (no repacking, no copy). Each width has its
/// own method so tests can check every path on any machine: a vector width the hardware lacks still
/// computes correctly, only slowly.</para>
/// </remarks>
internal static class MatrixVector
{
    /// <summary>y = W·x, or y += W·x when <paramref name="accumulate"/> (for the residual stream).</summary>
    /// <param name="matrix"><c>[y.Length][x.Length]</c>, row-major.</param>
    /// <param name="x">The input vector.</param>
    /// <param name="y">The output vector; must not overlap <paramref name="x"/>.</param>
    /// <param name="accumulate">Add to y instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> matrix, ReadOnlySpan<float> x, Span<float> y, bool accumulate = false)
    {
        int rows = y.Length, cols = x.Length;
        if ((long)rows * cols != matrix.Length)
        {
            throw new ArgumentException($"A [{rows}][{cols}] matrix holds {(long)rows * cols} floats, but {matrix.Length} were given.", nameof(matrix));
        }

        ref float w = ref MemoryMarshal.GetReference(matrix);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);

        // SimdPolicy.Bits is a JIT-time constant: only one branch survives.
        if (SimdPolicy.Bits >= 512 && cols >= Vector512<float>.Count)
        {
            Multiply512(ref w, ref xs, ref ys, rows, cols, accumulate);
        }
        else if (SimdPolicy.Bits >= 256 && cols >= Vector256<float>.Count)
        {
            Multiply256(ref w, ref xs, ref ys, rows, cols, accumulate);
        }
        else if (SimdPolicy.Bits >= 128 && cols >= Vector128<float>.Count)
        {
            Multiply128(ref w, ref xs, ref ys, rows, cols, accumulate);
        }
        else
        {
            MultiplyScalar(ref w, ref xs, ref ys, rows, cols, accumulate);
        }
    }

    /// <summary>Vector512 columns; needs <paramref name="cols"/> ≥ 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply512(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate)
    {
        int r = 0;
        for (; r <= rows - 4; r += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)r * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            ref float w2 = ref Unsafe.Add(ref w1, cols);
            ref float w3 = ref Unsafe.Add(ref w2, cols);
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var a2 = Vector512<float>.Zero;
            var a3 = Vector512<float>.Zero;
            nuint c = 0;
            for (; (int)c <= cols - Vector512<float>.Count; c += (nuint)Vector512<float>.Count)
            {
                var xv = Vector512.LoadUnsafe(ref x, c);
                a0 = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref w0, c), xv, a0);
                a1 = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref w1, c), xv, a1);
                a2 = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref w2, c), xv, a2);
                a3 = SimdPolicy.MultiplyAdd(Vector512.LoadUnsafe(ref w3, c), xv, a3);
            }

            var sums = Sum4(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper(), a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper());
            if ((int)c <= cols - Vector256<float>.Count)
            {
                var xv = Vector256.LoadUnsafe(ref x, c);
                sums += Sum4(Vector256.LoadUnsafe(ref w0, c) * xv, Vector256.LoadUnsafe(ref w1, c) * xv, Vector256.LoadUnsafe(ref w2, c) * xv, Vector256.LoadUnsafe(ref w3, c) * xv);
                c += (nuint)Vector256<float>.Count;
            }

            Finish4(ref w0, ref x, ref y, r, (int)c, cols, sums, accumulate);
        }

        MultiplyRemainingRows(ref w, ref x, ref y, r, rows, cols, accumulate);
    }

    /// <summary>Vector256 columns; needs <paramref name="cols"/> ≥ 8.</summary>
    internal static void Multiply256(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate) =>
        MultiplyFourRowsAtATime<Columns256, Vector256<float>>(ref w, ref x, ref y, rows, cols, accumulate);

    /// <summary>Vector128 columns; needs <paramref name="cols"/> ≥ 4.</summary>
    /// <remarks>Finish4 adds a 128-bit chunk only when 4 columns remain, which the main loop has used up.</remarks>
    internal static void Multiply128(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate) =>
        MultiplyFourRowsAtATime<Columns128, Vector128<float>>(ref w, ref x, ref y, rows, cols, accumulate);

    /// <summary>
    /// The 256- and 128-bit paths, written once: <typeparamref name="TColumns"/> is a struct, so the JIT
    /// compiles one copy per width with every call to it inlined, as if each were written out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyFourRowsAtATime<TColumns, TVector>(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate)
        where TColumns : struct, IColumns<TVector>
        where TVector : struct
    {
        int r = 0;
        for (; r <= rows - 4; r += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)r * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            ref float w2 = ref Unsafe.Add(ref w1, cols);
            ref float w3 = ref Unsafe.Add(ref w2, cols);
            TVector a0 = default, a1 = default, a2 = default, a3 = default;
            nuint c = 0;
            for (; (int)c <= cols - TColumns.Count; c += (nuint)TColumns.Count)
            {
                var xv = TColumns.Load(ref x, c);
                a0 = TColumns.MultiplyAdd(TColumns.Load(ref w0, c), xv, a0);
                a1 = TColumns.MultiplyAdd(TColumns.Load(ref w1, c), xv, a1);
                a2 = TColumns.MultiplyAdd(TColumns.Load(ref w2, c), xv, a2);
                a3 = TColumns.MultiplyAdd(TColumns.Load(ref w3, c), xv, a3);
            }

            Finish4(ref w0, ref x, ref y, r, (int)c, cols, TColumns.Sum4(a0, a1, a2, a3), accumulate);
        }

        MultiplyRemainingRows(ref w, ref x, ref y, r, rows, cols, accumulate);
    }

    /// <summary>What the four-row loop needs of one vector width.</summary>
    private interface IColumns<TVector>
        where TVector : struct
    {
        /// <summary>Floats per vector.</summary>
        static abstract int Count { get; }

        /// <summary>The vector at <paramref name="offset"/> floats from <paramref name="source"/>.</summary>
        static abstract TVector Load(ref float source, nuint offset);

        /// <summary>a·b + c, by <see cref="SimdPolicy"/>.</summary>
        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        /// <summary>[Σa, Σb, Σc, Σd].</summary>
        static abstract Vector128<float> Sum4(TVector a, TVector b, TVector c, TVector d);
    }

    private readonly struct Columns256 : IColumns<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => SimdPolicy.MultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) => MatrixVector.Sum4(a, b, c, d);
    }

    private readonly struct Columns128 : IColumns<Vector128<float>>
    {
        public static int Count => Vector128<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => SimdPolicy.MultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) => MatrixVector.Sum4(a, b, c, d);
    }

    /// <summary>No vectors at all: the path a machine without SIMD takes, and the shape of every other path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyScalar(ref float w, ref float x, ref float y, int rows, int cols, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref w, (nint)r * cols);
            float sum = 0;
            for (int c = 0; c < cols; c++)
            {
                sum += Unsafe.Add(ref row, c) * Unsafe.Add(ref x, c);
            }

            Unsafe.Add(ref y, r) = accumulate ? Unsafe.Add(ref y, r) + sum : sum;
        }
    }

    /// <summary>
    /// Adds the last columns (one 128-bit chunk if four or more remain, then scalars) to the four row
    /// sums of rows r..r+3, and stores them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish4(ref float w0, ref float x, ref float y, int r, int c, int cols, Vector128<float> sums, bool accumulate)
    {
        ref float w1 = ref Unsafe.Add(ref w0, cols);
        ref float w2 = ref Unsafe.Add(ref w1, cols);
        ref float w3 = ref Unsafe.Add(ref w2, cols);
        if (c <= cols - Vector128<float>.Count)
        {
            var xv = Vector128.LoadUnsafe(ref x, (nuint)c);
            sums += Sum4(Vector128.LoadUnsafe(ref w0, (nuint)c) * xv, Vector128.LoadUnsafe(ref w1, (nuint)c) * xv,
                Vector128.LoadUnsafe(ref w2, (nuint)c) * xv, Vector128.LoadUnsafe(ref w3, (nuint)c) * xv);
            c += Vector128<float>.Count;
        }

        if (c < cols)
        {
            float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
            for (; c < cols; c++)
            {
                float xc = Unsafe.Add(ref x, c);
                t0 += Unsafe.Add(ref w0, c) * xc;
                t1 += Unsafe.Add(ref w1, c) * xc;
                t2 += Unsafe.Add(ref w2, c) * xc;
                t3 += Unsafe.Add(ref w3, c) * xc;
            }

            sums += Vector128.Create(t0, t1, t2, t3);
        }

        ref float target = ref Unsafe.Add(ref y, r);
        if (accumulate)
        {
            sums += Vector128.LoadUnsafe(ref target);
        }

        sums.StoreUnsafe(ref target);
    }

    /// <summary>Rows <paramref name="from"/>..rows−1, one at a time (the rows left over after blocks of four).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyRemainingRows(ref float w, ref float x, ref float y, int from, int rows, int cols, bool accumulate)
    {
        for (int r = from; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref w, (nint)r * cols);
            float sum = 0;
            int c = 0;
            if (SimdPolicy.Bits >= 128 && cols >= Vector128<float>.Count)
            {
                var acc = Vector128<float>.Zero;
                for (; c <= cols - Vector128<float>.Count; c += Vector128<float>.Count)
                {
                    acc = SimdPolicy.MultiplyAdd(Vector128.LoadUnsafe(ref row, (nuint)c), Vector128.LoadUnsafe(ref x, (nuint)c), acc);
                }

                sum = Vector128.Sum(acc);
            }

            for (; c < cols; c++)
            {
                sum += Unsafe.Add(ref row, c) * Unsafe.Add(ref x, c);
            }

            Unsafe.Add(ref y, r) = accumulate ? Unsafe.Add(ref y, r) + sum : sum;
        }
    }

    /// <summary>[Σa, Σb, Σc, Σd] of four 256-bit vectors: three horizontal adds and one 128-bit add on AVX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (Avx.IsSupported)
        {
            // hadd(a, b) = [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7]; a second round
            // leaves [Σa_lo, Σb_lo, Σc_lo, Σd_lo | Σa_hi, Σb_hi, Σc_hi, Σd_hi].
            var halves = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
            return halves.GetLower() + halves.GetUpper();
        }

        return Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
    }

    /// <summary>[Σa, Σb, Σc, Σd] of four 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        }

        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }
}
