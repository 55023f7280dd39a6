using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// y = W·x (or y += W·x) for a <see cref="QuantizedMatrix"/>: each row's blocks are read once and
/// decoded in registers, 16 integers at a time, widened to float and multiplied into x; nothing is
/// dequantized to memory. One kernel per block family, one path per vector width.
/// </summary>
/// <remarks>
/// <para>Per 32-value block (Q4_0, Q5_0, Q8_0): Σ_b d_b·Σ_i q_i·x_i, the inner sum in vector lanes,
/// scaled once per block. Per K super-block: Σ_c s_c·Σ_i q_i·x_i − Σ_j m_j·Σx_j, where the minima
/// term uses the sums of x over each 32 columns (<see cref="BlockSums"/>), computed once per product
/// and shared by every row — the trick that lets Q4_K/Q5_K skip a subtraction per value.</para>
/// <para>The activations stay float32: no error is added beyond float rounding (ggml's CPU kernels
/// round x to 8 bits first, Q8_0 or Q8_K, and so differ from this by that rounding).</para>
/// <para>The width follows <see cref="SimdPolicy.Bits"/>; without FMA hardware the kernels multiply,
/// then add (no software fused multiply-add). The scalar path dequantizes block by block through
/// <see cref="Dequantization"/>.</para>
/// </remarks>
public static class QuantizedMatrixVector
{
    /// <summary>
    /// Rows <paramref name="firstRow"/>.. of y = W·x (y holds just those rows), or y += W·x when
    /// <paramref name="accumulate"/>. <paramref name="sums"/> are x's sums over each 32 columns (<see cref="BlockSums"/>); only the K types read them.
    /// </summary>
    /// <exception cref="ArgumentException">x, y or the sums do not fit the matrix.</exception>
    public static void Multiply(QuantizedMatrix matrix, ReadOnlySpan<float> x, ReadOnlySpan<float> sums, Span<float> y, int firstRow = 0, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (x.Length != matrix.Columns || firstRow < 0 || (long)firstRow + y.Length > matrix.Rows || sums.Length < matrix.Columns / 32)
        {
            throw new ArgumentException(
                $"A {matrix} product takes x of {matrix.Columns} values and {matrix.Columns / 32} block sums and writes up to {matrix.Rows} rows; " +
                $"got x of {x.Length}, {sums.Length} sums, rows {firstRow}..{(long)firstRow + y.Length - 1}.", nameof(x));
        }

        if (y.IsEmpty)
        {
            return;
        }

        if (matrix.Type == GgufTensorType.F32)
        {
            var floats = MemoryMarshal.Cast<byte, float>(matrix.Bytes).Slice(firstRow * matrix.Columns, y.Length * matrix.Columns);
            MatrixVector.Multiply(floats, x, y, accumulate);
            return;
        }

        ref byte rows = ref Unsafe.Add(ref MemoryMarshal.GetReference(matrix.Bytes), (nint)firstRow * matrix.RowBytes);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ss = ref MemoryMarshal.GetReference(sums);
        switch (SimdPolicy.Bits)
        {
            case >= 512: MultiplyRows<Lanes512, Vector512<float>>(matrix.Type, ref rows, matrix.RowBytes, matrix.Columns, ref xs, ref ss, y, accumulate); break;
            case >= 256: MultiplyRows<Lanes256, Vector256<float>>(matrix.Type, ref rows, matrix.RowBytes, matrix.Columns, ref xs, ref ss, y, accumulate); break;
            case >= 128: MultiplyRows<Lanes128, Vector128<float>>(matrix.Type, ref rows, matrix.RowBytes, matrix.Columns, ref xs, ref ss, y, accumulate); break;
            default: MultiplyScalar(matrix.Type, matrix.Bytes.Slice(firstRow * matrix.RowBytes, y.Length * matrix.RowBytes), matrix.RowBytes, x, y, accumulate); break;
        }
    }

    /// <summary>sums[j] = Σ x[32j .. 32j+31], the per-sub-block sums the K kernels' minima term needs.</summary>
    public static void BlockSums(ReadOnlySpan<float> x, Span<float> sums)
    {
        int blocks = x.Length / 32;
        if (sums.Length < blocks)
        {
            throw new ArgumentException($"{x.Length} values have {blocks} blocks of 32; the destination holds {sums.Length}.", nameof(sums));
        }

        for (int j = 0; j < blocks; j++)
        {
            var block = x.Slice(32 * j, 32);
            float sum = 0;
            for (int i = 0; i < 32; i++)
            {
                sum += block[i];
            }

            sums[j] = sum;
        }
    }

    /// <summary>The vector paths: the block family picked once per product, the row loop generic over the lanes.</summary>
    internal static void MultiplyRows<TLanes, TVector>(GgufTensorType type, ref byte rows, int rowBytes, int columns, ref float x, ref float sums, Span<float> y, bool accumulate)
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        switch (type)
        {
            case GgufTensorType.Q8_0: Rows32<Q8_0Decoder, TLanes, TVector>(ref rows, rowBytes, columns / 32, ref x, y, accumulate); break;
            case GgufTensorType.Q4_0: Rows32<Q4_0Decoder, TLanes, TVector>(ref rows, rowBytes, columns / 32, ref x, y, accumulate); break;
            case GgufTensorType.Q5_0: Rows32<Q5_0Decoder, TLanes, TVector>(ref rows, rowBytes, columns / 32, ref x, y, accumulate); break;
            case GgufTensorType.Q4_K: RowsK<Q4_KDecoder, TLanes, TVector>(ref rows, rowBytes, columns / 256, ref x, ref sums, y, accumulate); break;
            case GgufTensorType.Q5_K: RowsK<Q5_KDecoder, TLanes, TVector>(ref rows, rowBytes, columns / 256, ref x, ref sums, y, accumulate); break;
            case GgufTensorType.Q6_K: RowsK<Q6_KDecoder, TLanes, TVector>(ref rows, rowBytes, columns / 256, ref x, ref sums, y, accumulate); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, $"{type} has no quantized kernel.");
        }
    }

    /// <summary>No vectors: each block dequantized (as ggml's reference does) into a stack buffer, then dotted with x.</summary>
    internal static void MultiplyScalar(GgufTensorType type, ReadOnlySpan<byte> rows, int rowBytes, ReadOnlySpan<float> x, Span<float> y, bool accumulate)
    {
        int blockValues = QuantizedBlocks.BlockValues(type), blockBytes = QuantizedBlocks.BlockBytes(type);
        Span<float> values = stackalloc float[QuantizedBlocks.SuperBlock];
        var block = values[..blockValues];
        for (int r = 0; r < y.Length; r++)
        {
            var row = rows.Slice(r * rowBytes, rowBytes);
            float sum = 0;
            for (int b = 0; b < x.Length / blockValues; b++)
            {
                Dequantization.DequantizeRow(type, row.Slice(b * blockBytes, blockBytes), block);
                var xb = x.Slice(b * blockValues, blockValues);
                for (int i = 0; i < blockValues; i++)
                {
                    sum += block[i] * xb[i];
                }
            }

            y[r] = accumulate ? y[r] + sum : sum;
        }
    }

    private static void Rows32<TDecoder, TLanes, TVector>(ref byte rows, int rowBytes, int blocks, ref float x, Span<float> y, bool accumulate)
        where TDecoder : struct, IBlock32Decoder
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        for (int r = 0; r < y.Length; r++)
        {
            ref byte block = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            var acc = TLanes.Zero;
            for (int b = 0; b < blocks; b++)
            {
                TDecoder.Values(ref block, out var low, out var high);
                ref float xb = ref Unsafe.Add(ref x, 32 * b);
                var dot = TLanes.Add(TLanes.Dot16(low, ref xb), TLanes.Dot16(high, ref Unsafe.Add(ref xb, 16)));
                acc = TLanes.MultiplyAdd(dot, TDecoder.Scale(ref block), acc);
                block = ref Unsafe.Add(ref block, TDecoder.BlockBytes);
            }

            float sum = TLanes.Sum(acc);
            y[r] = accumulate ? y[r] + sum : sum;
        }
    }

    private static void RowsK<TDecoder, TLanes, TVector>(ref byte rows, int rowBytes, int blocks, ref float x, ref float sums, Span<float> y, bool accumulate)
        where TDecoder : struct, ISuperBlockDecoder
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        Span<float> scaleBuffer = stackalloc float[16];
        ref float scales = ref MemoryMarshal.GetReference(scaleBuffer);
        for (int r = 0; r < y.Length; r++)
        {
            ref byte block = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            var acc = TLanes.Zero;
            float minimum = 0;
            for (int b = 0; b < blocks; b++)
            {
                minimum += TDecoder.Prepare(ref block, ref Unsafe.Add(ref sums, 8 * b), ref scales);
                ref float xb = ref Unsafe.Add(ref x, 256 * b);
                for (int part = 0; part < 4; part++)
                {
                    TDecoder.Part(ref block, part, out var c0, out var c1, out var c2, out var c3);
                    ref float xp = ref Unsafe.Add(ref xb, 64 * part);
                    ref float sp = ref Unsafe.Add(ref scales, 4 * part);
                    acc = TLanes.MultiplyAdd(TLanes.Dot16(c0, ref xp), sp, acc);
                    acc = TLanes.MultiplyAdd(TLanes.Dot16(c1, ref Unsafe.Add(ref xp, 16)), Unsafe.Add(ref sp, 1), acc);
                    acc = TLanes.MultiplyAdd(TLanes.Dot16(c2, ref Unsafe.Add(ref xp, 32)), Unsafe.Add(ref sp, 2), acc);
                    acc = TLanes.MultiplyAdd(TLanes.Dot16(c3, ref Unsafe.Add(ref xp, 48)), Unsafe.Add(ref sp, 3), acc);
                }

                block = ref Unsafe.Add(ref block, TDecoder.BlockBytes);
            }

            float sum = TLanes.Sum(acc) - minimum;
            y[r] = accumulate ? y[r] + sum : sum;
        }
    }
}

/// <summary>The lane arithmetic of one vector width, for the generic row kernels.</summary>
internal interface ILanes<TVector>
    where TVector : struct
{
    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Lanes of q[i]·x[i] for 16 integers and 16 floats, summed down to one vector.</summary>
    static abstract TVector Dot16(Vector128<sbyte> q, ref float x);

    /// <summary>a + b.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary>acc + a·s (fused where the hardware fuses).</summary>
    static abstract TVector MultiplyAdd(TVector a, float s, TVector acc);

    /// <summary>Σ of the lanes.</summary>
    static abstract float Sum(TVector v);
}

/// <summary>Vector512: 16 integers widen to one vector (vpmovsxbd, vcvtdq2ps).</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>>
{
    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Dot16(Vector128<sbyte> q, ref float x) =>
        Vector512.ConvertToSingle(Vector512.WidenLower(Vector512.WidenLower(q.ToVector256Unsafe().ToVector512Unsafe()))) * Vector512.LoadUnsafe(ref x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, float s, Vector512<float> acc) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, Vector512.Create(s), acc) : acc + a * s;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Vector512.Sum(v);
}

/// <summary>Vector256: 16 integers widen to two vectors.</summary>
internal readonly struct Lanes256 : ILanes<Vector256<float>>
{
    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Dot16(Vector128<sbyte> q, ref float x)
    {
        var shorts = Vector256.WidenLower(q.ToVector256Unsafe());
        var low = Vector256.ConvertToSingle(Vector256.WidenLower(shorts));
        var high = Vector256.ConvertToSingle(Vector256.WidenUpper(shorts));
        return MultiplyAdd(high, Vector256.LoadUnsafe(ref x, 8), low * Vector256.LoadUnsafe(ref x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, float s, Vector256<float> acc) => MultiplyAdd(a, Vector256.Create(s), acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Vector128.Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc) : acc + a * b;
}

/// <summary>Vector128: 16 integers widen to four vectors.</summary>
internal readonly struct Lanes128 : ILanes<Vector128<float>>
{
    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Dot16(Vector128<sbyte> q, ref float x)
    {
        var low = Vector128.WidenLower(q);
        var high = Vector128.WidenUpper(q);
        var a = Vector128.ConvertToSingle(Vector128.WidenLower(low)) * Vector128.LoadUnsafe(ref x);
        var b = Vector128.ConvertToSingle(Vector128.WidenLower(high)) * Vector128.LoadUnsafe(ref x, 8);
        a = MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenUpper(low)), Vector128.LoadUnsafe(ref x, 4), a);
        b = MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenUpper(high)), Vector128.LoadUnsafe(ref x, 12), b);
        return a + b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, float s, Vector128<float> acc) => MultiplyAdd(a, Vector128.Create(s), acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v) => Vector128.Sum(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc) : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, a, b) : acc + a * b;
}
