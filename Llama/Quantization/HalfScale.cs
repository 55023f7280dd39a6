using System;
using System.Runtime.CompilerServices;

namespace KernelGen.Quantization;

/// <summary>
/// A block's float16 scale widened to float32 inside the kernels: normal values by moving the bits
/// (exact: sign, exponent rebased from 15 to 127, mantissa shifted); zero and subnormals as the
/// mantissa times 2^-24 (exact in float32); infinities and NaN with the exponent all ones. No call:
/// a call in the kernels' loops (every vector register is caller-saved on x64) made the JIT keep the
/// multi-row tiles' accumulators on the stack.
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

        uint sign = (bits & 0x8000) << 16;
        if ((bits & 0x7C00) == 0)
        {
            return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((bits & 0x3FF) * (1f / (1 << 24))) | sign);
        }

        return BitConverter.UInt32BitsToSingle(sign | 0x7F800000 | ((bits & 0x3FF) << 13));
    }
}
