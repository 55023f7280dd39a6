using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelGen.Caching;

/// <summary>
/// <see cref="KvCacheFormat.BFloat16"/>: the top 16 bits of each float. Widening is a zero
/// extension and a 16-bit shift (vpmovzxwd + vpslld on x86), two instructions per vector.
/// </summary>
public readonly struct KvBFloat16 : IKvCacheFormat
{
    /// <inheritdoc />
    public static KvCacheFormat Format => KvCacheFormat.BFloat16;

    /// <inheritdoc />
    public static int ElementBytes => sizeof(ushort);

    /// <inheritdoc />
    public static bool Scaled => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ref byte row, nuint index)
    {
        var bits = Vector256.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref row), index);
        var wide = Avx512F.IsSupported
            ? Avx512F.ConvertToVector512UInt32(bits)
            : Vector512.Create(Vector256.WidenLower(bits), Vector256.WidenUpper(bits));
        return (wide << 16).AsSingle();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ref byte row, nuint index)
    {
        var bits = Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref row), index);
        var wide = Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bits).AsUInt32()
            : Vector256.Create(Vector128.WidenLower(bits), Vector128.WidenUpper(bits));
        return (wide << 16).AsSingle();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(ref byte row, nuint index)
    {
        // Four elements are 8 bytes: one 64-bit load, widened from the vector's low half.
        var bits = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, index * 2))).AsUInt16();
        var wide = Sse41.IsSupported ? Sse41.ConvertToVector128Int32(bits).AsUInt32() : Vector128.WidenLower(bits);
        return (wide << 16).AsSingle();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref byte row, nint index) =>
        BitConverter.Int32BitsToSingle(Unsafe.Add(ref Unsafe.As<byte, ushort>(ref row), index) << 16);

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

    /// <summary>float → bfloat16, rounding to nearest even (NaN stays a quiet NaN).</summary>
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        // Adding 0x7FFF plus the lowest kept bit rounds half to even; a carry into the exponent is
        // the correct rounding (up to infinity only from beyond bfloat16's largest finite value).
        bits += 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }
}
