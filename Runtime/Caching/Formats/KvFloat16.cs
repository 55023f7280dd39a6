using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelGen.Caching;

/// <summary>
/// <see cref="KvCacheFormat.Float16"/>: IEEE half. .NET 10 exposes no vector half → float
/// conversion (no F16C <c>vcvtph2ps</c>), so widening is integer arithmetic: sign-extend the 16
/// bits, shift left 13 (the sign lands in bit 31, exponent and mantissa under float's), clear the
/// three sign copies between them, and multiply by 2^112 to move half's exponent bias (15) to
/// float's (127). The multiply also turns half's subnormals into the right floats. Four
/// instructions per vector (vpmovsxwd, vpslld, vpand, vmulps).
/// </summary>
/// <remarks>
/// Half's infinities and NaNs would widen to large finite numbers, so <see cref="Encode"/> never
/// stores them: it saturates at ±65504, half's largest finite value (a key or value that large
/// is out of half's range whatever one does).
/// </remarks>
public readonly struct KvFloat16 : IKvCacheFormat
{
    /// <summary>Largest finite half.</summary>
    public const float MaxValue = 65504f;

    private const int KeptBits = unchecked((int)0x8FFFE000);

    /// <summary>2^112 = 2^(127 − 15).</summary>
    private static float Rebias => 5.192296858534828E+33f;

    /// <inheritdoc />
    public static KvCacheFormat Format => KvCacheFormat.Float16;

    /// <inheritdoc />
    public static int ElementBytes => sizeof(ushort);

    /// <inheritdoc />
    public static bool Scaled => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ref byte row, nuint index)
    {
        var bits = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref row), index);
        var wide = Avx512F.IsSupported
            ? Avx512F.ConvertToVector512Int32(bits)
            : Vector512.Create(Vector256.WidenLower(bits), Vector256.WidenUpper(bits));
        return ((wide << 13) & Vector512.Create(KeptBits)).AsSingle() * Vector512.Create(Rebias);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ref byte row, nuint index)
    {
        var bits = Vector128.LoadUnsafe(ref Unsafe.As<byte, short>(ref row), index);
        var wide = Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bits)
            : Vector256.Create(Vector128.WidenLower(bits), Vector128.WidenUpper(bits));
        return ((wide << 13) & Vector256.Create(KeptBits)).AsSingle() * Vector256.Create(Rebias);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(ref byte row, nuint index)
    {
        var bits = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, index * 2))).AsInt16();
        var wide = Sse41.IsSupported ? Sse41.ConvertToVector128Int32(bits) : Vector128.WidenLower(bits);
        return ((wide << 13) & Vector128.Create(KeptBits)).AsSingle() * Vector128.Create(Rebias);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref byte row, nint index) =>
        BitConverter.Int32BitsToSingle((Unsafe.Add(ref Unsafe.As<byte, short>(ref row), index) << 13) & KeptBits) * Rebias;

    /// <inheritdoc />
    public static float Encode(ReadOnlySpan<float> source, Span<byte> target)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(target);
        for (int i = 0; i < source.Length; i++)
        {
            bits[i] = Round(source[i]);
        }

        return 1f;
    }

    /// <summary>float → half, rounding to nearest even and saturating at ±65504 (NaN becomes 0).</summary>
    public static ushort Round(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        return BitConverter.HalfToUInt16Bits((Half)Math.Clamp(value, -MaxValue, MaxValue));
    }
}
