using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Quantization;

/// <summary>
/// A block's float16 scale widened to float32 inside the kernels: normal values by moving the bits
/// (exact: sign, exponent rebased from 15 to 127, mantissa shifted), the rest (zero, subnormals,
/// infinities, NaN) through <see cref="Half"/>. Cheaper than the general conversion in the loop that
/// reads one scale per 32 values.
/// </summary>
internal static class HalfScale
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Read(ref byte source)
    {
        uint bits = Unsafe.ReadUnaligned<ushort>(ref source);
        if ((bits & 0x7C00) - 0x0400 < 0x7800)
        {
            return BitConverter.UInt32BitsToSingle(((bits & 0x8000) << 16) | (((bits & 0x7FFF) + 0x1C000) << 13));
        }

        return (float)BitConverter.UInt16BitsToHalf((ushort)bits);
    }
}
