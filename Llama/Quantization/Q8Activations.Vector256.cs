using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Checkpoints;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// The Vector256 integer kernels (AVX2, AVX-VNNI where present): four rows per pass over each block
/// of activations, 32 values per instruction.
/// </summary>
/// <remarks>
/// <para>AVX2 has 16 ymm registers: a tile holds its 4 float accumulators, one super-block's int32
/// sum and a few temporaries, and reads the activations from L1 as memory operands rather than
/// keeping a super-block's eight vectors live (which would spill).</para>
/// <para>Q8_0 keeps ggml's sign trick (|w| against x carrying w's sign); Q4_0, Q5_0 and Q6_K enter as
/// unsigned integers with their offset taken off per block from the activations' sums, as in the
/// Vector512 kernels. The K types' per-16-value scales reach the int16 lanes by one <c>vpshufb</c> of
/// the super-block's scales, broadcast to both 128-bit lanes once per super-block.</para>
/// </remarks>
public sealed partial class Q8Activations
{
    /// <summary>The Vector256 path of <see cref="Multiply(QuantizedMatrix, Span{float}, int, bool, int)"/>.</summary>
    private void Multiply256(GgufTensorType type, ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
    {
        switch (type)
        {
            case GgufTensorType.Q8_0: Rows<BlockKernel256<Q8_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_0: Rows<BlockKernel256<Q4_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q5_0: Rows<BlockKernel256<Q5_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_K: Rows<KKernel256<ScaledMinima256<Q4_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            case GgufTensorType.Q5_K: Rows<KKernel256<ScaledMinima256<Q5_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            default: Rows<KKernel256<Q6_KBlock256>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
        }
    }

    /// <summary>Writes (or adds) the tile's row sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(ref float y, bool accumulate, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
        where TRows : struct, IRowCount
    {
        Put(ref y, Vector256.Sum(a0), accumulate);
        if (TRows.Count == 4)
        {
            Put(ref Unsafe.Add(ref y, 1), Vector256.Sum(a1), accumulate);
            Put(ref Unsafe.Add(ref y, 2), Vector256.Sum(a2), accumulate);
            Put(ref Unsafe.Add(ref y, 3), Vector256.Sum(a3), accumulate);
        }

        static void Put(ref float target, float sum, bool accumulate) => target = accumulate ? target + sum : sum;
    }

    /// <summary>The 32-value types, one block per product: Σ u·x in int32 lanes, the offset's o·Σx off lane 0, scaled by d_w·d_x.</summary>
    private readonly struct BlockKernel256<TBlock> : IRowKernel
        where TBlock : struct, IIntegerBlock
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                var xs = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * b));
                float dx = Unsafe.Add(ref x.Scales, b);
                var sums = Vector256.CreateScalar(Unsafe.Add(ref x.Sums, b) * TBlock.Offset);
                a0 = Block(ref Unsafe.Add(ref row, offset), xs, dx, sums, a0);
                if (TRows.Count == 4)
                {
                    a1 = Block(ref Unsafe.Add(ref row, rowBytes + offset), xs, dx, sums, a1);
                    a2 = Block(ref Unsafe.Add(ref row, 2 * rowBytes + offset), xs, dx, sums, a2);
                    a3 = Block(ref Unsafe.Add(ref row, 3 * rowBytes + offset), xs, dx, sums, a3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Block(ref byte block, Vector256<sbyte> x, float dx, Vector256<int> offset, Vector256<float> acc) =>
            SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref block, x) - offset), Vector256.Create(HalfScale.Read(ref block) * dx), acc);
    }

    /// <summary>What a Vector256 K tile needs of its super-block type.</summary>
    private interface ISuperBlock256
    {
        static abstract int BlockBytes { get; }

        /// <summary>acc + this super-block's Σ w·x̃ / dx, reading the super-block's 256 activations at <paramref name="xb"/>.</summary>
        static abstract Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc);
    }

    private readonly struct KKernel256<TBlock> : IRowKernel
        where TBlock : struct, ISuperBlock256
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                ref sbyte xb = ref Unsafe.Add(ref x.Values, 256 * b);
                float dx = Unsafe.Add(ref x.SuperScales, b);
                a0 = TBlock.Accumulate(ref Unsafe.Add(ref row, offset), ref xb, in x, b, dx, a0);
                if (TRows.Count == 4)
                {
                    a1 = TBlock.Accumulate(ref Unsafe.Add(ref row, rowBytes + offset), ref xb, in x, b, dx, a1);
                    a2 = TBlock.Accumulate(ref Unsafe.Add(ref row, 2 * rowBytes + offset), ref xb, in x, b, dx, a2);
                    a3 = TBlock.Accumulate(ref Unsafe.Add(ref row, 3 * rowBytes + offset), ref xb, in x, b, dx, a3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3);
        }
    }

    /// <summary>The 64 unsigned integers of part p of a Q4_K or Q5_K super-block, as values 0–31 and 32–63 of the part.</summary>
    private interface IKParts256
    {
        static abstract int BlockBytes { get; }

        static abstract void Part(ref byte block, int part, out Vector256<byte> low, out Vector256<byte> high);
    }

    private readonly struct Q4_KParts256 : IKParts256
    {
        public static int BlockBytes => 144;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Part(ref byte block, int part, out Vector256<byte> low, out Vector256<byte> high)
        {
            var qs = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 32 * part));
            low = qs & Vector256.Create((byte)0x0F);
            high = Vector256.ShiftRightLogical(qs, 4);
        }
    }

    private readonly struct Q5_KParts256 : IKParts256
    {
        public static int BlockBytes => 176;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Part(ref byte block, int part, out Vector256<byte> low, out Vector256<byte> high)
        {
            var qs = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 48 + 32 * part));
            var qh = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16));
            var one = Vector256<byte>.One;
            low = (qs & Vector256.Create((byte)0x0F)) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * part) & one, 4);
            high = Vector256.ShiftRightLogical(qs, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * part + 1) & one, 4);
        }
    }

    /// <summary>Q4_K/Q5_K in 256 bits: the same unpacking of scales and minima as <see cref="ScaledMinima{TParts}"/>.</summary>
    private readonly struct ScaledMinima256<TParts> : ISuperBlock256
        where TParts : struct, IKParts256
    {
        public static int BlockBytes => TParts.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc)
        {
            float d = HalfScale.Read(ref block) * dx;
            float dmin = HalfScale.Read(ref Unsafe.Add(ref block, 2)) * dx;
            KScales.Unpack8(ref Unsafe.Add(ref block, 4), out ulong scales, out ulong minima);
            Vector128<short> scaleValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte());
            Vector128<short> minimumValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(minima).AsByte());
            var minimumDot = Sse2.MultiplyAddAdjacent(minimumValues, Vector128.LoadUnsafe(ref Unsafe.Add(ref x.BlockSums, 8 * superBlock)));
            var both = Vector256.Create(scaleValues, scaleValues);

            var sum = Vector256<int>.Zero;
            for (int part = 0; part < 4; part++)
            {
                TParts.Part(ref block, part, out var low, out var high);
                sum += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part))), Spread(both, 2 * part, 2 * part));
                sum += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(high, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part + 32))), Spread(both, 2 * part + 1, 2 * part + 1));
            }

            acc = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
            Vector128<float> minimumFloats = Sse2.ConvertToVector128Single(minimumDot);
            return SimdPolicy.MultiplyAdd(minimumFloats.ToVector256(), Vector256.Create(-dmin), acc);
        }
    }

    /// <summary>Q6_K in 256 bits: u = nibble | two bits of qh (0–63), the 32 offset off per 16 values through Σx.</summary>
    private readonly struct Q6_KBlock256 : ISuperBlock256
    {
        public static int BlockBytes => 210;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc)
        {
            float d = HalfScale.Read(ref Unsafe.Add(ref block, 208)) * dx;
            var scales = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 192)).AsSByte());
            var sum = Vector256<int>.Zero - Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(scales, Vector256.LoadUnsafe(ref Unsafe.Add(ref x.ChunkSums, 16 * superBlock))), 5);
            var first = Vector256.Create(scales.GetLower(), scales.GetLower());   // scales 0–7: parts 0, 1
            var second = Vector256.Create(scales.GetUpper(), scales.GetUpper());  // scales 8–15: parts 2, 3
            for (int part = 0; part < 4; part++)
            {
                int half = part >> 1, shift = 4 * (part & 1), k = 4 * (part & 1);
                var source = half == 0 ? first : second;
                var ql0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half));
                var ql1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half + 32));
                var qh = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 128 + 32 * half));
                var three = Vector256.Create((byte)3);
                var nibble = Vector256.Create((byte)0x0F);
                var w01 = (Vector256.ShiftRightLogical(ql0, shift) & nibble) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, shift) & three, 4);
                var w23 = (Vector256.ShiftRightLogical(ql1, shift) & nibble) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, shift + 2) & three, 4);
                sum += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(w01, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part))), Spread(source, k, k + 1));
                sum += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(w23, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part + 32))), Spread(source, k + 2, k + 3));
            }

            return SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
        }
    }

    /// <summary>int16 lanes: scale <paramref name="low"/> of the 8 in each 128-bit lane of <paramref name="scales"/> in the low lane, <paramref name="high"/> in the high lane (one vpshufb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Spread(Vector256<short> scales, int low, int high)
    {
        var control = Vector256.Create(Vector128.Create((ushort)(2 * low | (2 * low + 1) << 8)), Vector128.Create((ushort)(2 * high | (2 * high + 1) << 8))).AsByte();
        return Avx2.Shuffle(scales.AsByte(), control).AsInt16();
    }
}
