using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// <summary>2^112: rebases a float16 exponent (bias 15) placed in a float32 (bias 127).</summary>
    private const uint ExponentRebase = (112u + 127u) << 23;

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

    /// <summary>
    /// The scales of four blocks (a four-row tile's, one per row) in one vector, each bit for bit what
    /// <see cref="Read"/> gives: the four loads go straight into one vector, and one vector widening
    /// replaces four branchy scalar ones. Needs SSE4.1 (every machine the integer kernels run on has it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Read4(ref byte s0, ref byte s1, ref byte s2, ref byte s3)
    {
        // One 32-bit move and three word inserts straight from memory (vmovd, vpinsrw), then zero-extended.
        var words = Vector128.CreateScalarUnsafe((uint)Unsafe.ReadUnaligned<ushort>(ref s0)).AsUInt16();
        words = Sse2.Insert(words, Unsafe.ReadUnaligned<ushort>(ref s1), 1);
        words = Sse2.Insert(words, Unsafe.ReadUnaligned<ushort>(ref s2), 2);
        words = Sse2.Insert(words, Unsafe.ReadUnaligned<ushort>(ref s3), 3);
        return Widen(Sse41.ConvertToVector128Int32(words).AsUInt32());
    }

    /// <summary>
    /// float16 bit patterns (one per 32-bit lane) widened as <see cref="Read"/> widens one: the magnitude's
    /// bits moved to float32's places and multiplied by 2^112, which rebases a normal exponent and makes a
    /// subnormal (a float32 subnormal before the multiply) exactly m·2^-24; exponent all ones (infinity,
    /// NaN) takes float32's all-ones exponent instead; the sign is put back last, so −0 stays −0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Widen(Vector128<uint> half)
    {
        var magnitude = (half & Vector128.Create(0x7FFFu)) << 13;
        var finite = (magnitude.AsSingle() * Vector128.Create(ExponentRebase).AsSingle()).AsUInt32();
        var allOnes = Vector128.Equals(half & Vector128.Create(0x7C00u), Vector128.Create(0x7C00u));
        var bits = Vector128.ConditionalSelect(allOnes, magnitude | Vector128.Create(0x7F800000u), finite);
        return (bits | ((half & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>As <see cref="Widen(Vector128{uint})"/>, eight lanes (the bits above each lane's low 16 are ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen(Vector256<uint> half)
    {
        var magnitude = (half & Vector256.Create(0x7FFFu)) << 13;
        var finite = (magnitude.AsSingle() * Vector256.Create(ExponentRebase).AsSingle()).AsUInt32();
        var allOnes = Vector256.Equals(half & Vector256.Create(0x7C00u), Vector256.Create(0x7C00u));
        var bits = Vector256.ConditionalSelect(allOnes, magnitude | Vector256.Create(0x7F800000u), finite);
        return (bits | ((half & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>As <see cref="Widen(Vector128{uint})"/>, sixteen lanes (the bits above each lane's low 16 are ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector512<uint> half)
    {
        var magnitude = (half & Vector512.Create(0x7FFFu)) << 13;
        var finite = (magnitude.AsSingle() * Vector512.Create(ExponentRebase).AsSingle()).AsUInt32();
        var allOnes = Vector512.Equals(half & Vector512.Create(0x7C00u), Vector512.Create(0x7C00u));
        var bits = Vector512.ConditionalSelect(allOnes, magnitude | Vector512.Create(0x7F800000u), finite);
        return (bits | ((half & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }
}
