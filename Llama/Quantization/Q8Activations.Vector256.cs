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
/// <para>Q8_0 takes ggml's sign trick (|w| against x carrying w's sign); Q6_K multiplies its unsigned
/// 6-bit u and takes 32·(x pair) off each int16 pair sum (the same integers as the sign trick); Q5_0
/// enters as unsigned nibbles, its offset's o·Σx taken off per block as a float beside the lanes, as
/// are the Q4_K/Q5_K minima per super-block. The K types' per-16-value scales reach the
/// int16 lanes by one <c>vpshufb</c> of the super-block's scales, broadcast to both 128-bit lanes
/// once per super-block. Each row's float operations are those of the one-row kernels this
/// replaced, in the same order (and llama.cpp's for Q8_0): the 8-bit rounding of the next
/// activations is discontinuous, so a last-bit difference here can move a logit by 1%. Q4_0 has
/// kernels of its own (Q8Activations.Q4_0.cs).</para>
/// </remarks>
public sealed partial class Q8Activations
{
    /// <summary>The Vector256 path of <see cref="Multiply(QuantizedMatrix, Span{float}, int, bool, int)"/>.</summary>
    private void Multiply256(GgufTensorType type, ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
    {
        switch (type)
        {
            case GgufTensorType.Q8_0: Rows<BlockKernel256<Q8_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_0: Rows<Q4_0Tile256>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q5_0: Rows<BlockKernel256<Q5_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_K: Rows<KKernel256<ScaledMinima256<Q4_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            case GgufTensorType.Q5_K: Rows<KKernel256<ScaledMinima256<Q5_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            default: Rows<KKernel256<Q6_KBlock256>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
        }
    }

    /// <summary>Writes (or adds) the tile's row sums less each row's scalar term (offsets or minima).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(ref float y, bool accumulate, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3, float o0, float o1, float o2, float o3)
        where TRows : struct, IRowCount
    {
        Put(ref y, Sum(a0) - o0, accumulate);
        if (TRows.Count == 4)
        {
            Put(ref Unsafe.Add(ref y, 1), Sum(a1) - o1, accumulate);
            Put(ref Unsafe.Add(ref y, 2), Sum(a2) - o2, accumulate);
            Put(ref Unsafe.Add(ref y, 3), Sum(a3) - o3, accumulate);
        }
    }

    /// <summary>Σ of 8 lanes as every width reduces a row: the two halves added, then the four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector256<float> v) => Vector128.Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref float target, float sum, bool accumulate) => target = accumulate ? target + sum : sum;

    /// <summary>The 32-value types, one block per product: Σ u·x in int32 lanes scaled by s = d_w·d_x, and s·o·Σx summed apart.</summary>
    /// <remarks>
    /// A four-row tile widens its four rows' float16 scales in one vector (<see cref="HalfScale.Read4"/>)
    /// and keeps the four offset terms in one, each lane's float operations those of a one-row tile
    /// (the scale's product with d_x, then with o·Σx, then the add), so every row has the same bits
    /// whichever tile computed it.
    /// </remarks>
    private readonly struct BlockKernel256<TBlock> : IRowKernel
        where TBlock : struct, IIntegerBlock
    {
        [MethodImpl(MethodImplOptions.NoInlining)]   // compiled on its own: inlined into the projection, its helpers (Spread) outran the JIT's inlining budget
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount
        {
            if (TRows.Count == 4)
            {
                FourRowTile(in x, ref row, rowBytes, blocks, ref y, accumulate, ref ahead);
                return;
            }

            Vector256<float> a0 = default;
            float o0 = 0;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                ref byte block = ref Unsafe.Add(ref row, offset);
                float scale = HalfScale.Read(ref block) * Unsafe.Add(ref x.Scales, b);
                if (TBlock.Offset != 0)
                {
                    o0 += scale * (TBlock.Offset * Unsafe.Add(ref x.Sums, b));
                }

                var xs = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * b));
                a0 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref block, xs)), Vector256.Create(scale), a0);
            }

            Put(ref y, Sum(a0) - o0, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FourRowTile(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector128<float> offsets = default, scales = default;
            ref byte row1 = ref Unsafe.Add(ref row, rowBytes);
            ref byte row2 = ref Unsafe.Add(ref row1, rowBytes);
            ref byte row3 = ref Unsafe.Add(ref row2, rowBytes);
            ref sbyte values = ref x.Values;
            ref float activationScales = ref x.Scales;
            ref int sums = ref x.Sums;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                PrefetchAhead(ref ahead, offset, TBlock.BlockBytes);
                ref byte b0 = ref Unsafe.Add(ref row, offset);
                ref byte b1 = ref Unsafe.Add(ref row1, offset);
                ref byte b2 = ref Unsafe.Add(ref row2, offset);
                ref byte b3 = ref Unsafe.Add(ref row3, offset);
                scales = HalfScale.Read4(ref b0, ref b1, ref b2, ref b3) * Vector128.Create(Unsafe.Add(ref activationScales, b));
                if (TBlock.Offset != 0)
                {
                    offsets += scales * Vector128.Create((float)(TBlock.Offset * Unsafe.Add(ref sums, b)));
                }

                // Each row's scale broadcast from memory (a load, not two shuffles): scales lives on the stack.
                ref float scale = ref Unsafe.As<Vector128<float>, float>(ref scales);
                var xs = Vector256.LoadUnsafe(ref values, (nuint)(32 * b));
                a0 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref b0, xs)), Vector256.Create(scale), a0);
                a1 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref b1, xs)), Vector256.Create(Unsafe.Add(ref scale, 1)), a1);
                a2 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref b2, xs)), Vector256.Create(Unsafe.Add(ref scale, 2)), a2);
                a3 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(TBlock.Dot(ref b3, xs)), Vector256.Create(Unsafe.Add(ref scale, 3)), a3);
            }

            Store<FourRows>(ref y, accumulate, a0, a1, a2, a3, offsets.GetElement(0), offsets.GetElement(1), offsets.GetElement(2), offsets.GetElement(3));
        }
    }

    /// <summary>What a Vector256 K tile needs of its super-block type.</summary>
    private interface ISuperBlock256
    {
        static abstract int BlockBytes { get; }

        /// <summary>acc + this super-block's Σ scale·q·x̃ (int32 lanes times d_w·d_x), its minima term added to <paramref name="minimum"/>.</summary>
        static abstract Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc, ref float minimum);
    }

    private readonly struct KKernel256<TBlock> : IRowKernel
        where TBlock : struct, ISuperBlock256
    {
        [MethodImpl(MethodImplOptions.NoInlining)]   // compiled on its own: inlined into the projection, its helpers (Spread) outran the JIT's inlining budget
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
            // The tile's rows, computed once (a one-row tile points them all at its row, never past it).
            int step = TRows.Count == 4 ? rowBytes : 0;
            ref byte row1 = ref Unsafe.Add(ref row, step);
            ref byte row2 = ref Unsafe.Add(ref row1, step);
            ref byte row3 = ref Unsafe.Add(ref row2, step);
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                if (TRows.Count == 4)
                {
                    PrefetchAhead(ref ahead, offset, TBlock.BlockBytes);
                }

                ref sbyte xb = ref Unsafe.Add(ref x.Values, 256 * b);
                float dx = Unsafe.Add(ref x.SuperScales, b);
                a0 = TBlock.Accumulate(ref Unsafe.Add(ref row, offset), ref xb, in x, b, dx, a0, ref m0);
                if (TRows.Count == 4)
                {
                    a1 = TBlock.Accumulate(ref Unsafe.Add(ref row1, offset), ref xb, in x, b, dx, a1, ref m1);
                    a2 = TBlock.Accumulate(ref Unsafe.Add(ref row2, offset), ref xb, in x, b, dx, a2, ref m2);
                    a3 = TBlock.Accumulate(ref Unsafe.Add(ref row3, offset), ref xb, in x, b, dx, a3, ref m3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3, m0, m1, m2, m3);
        }
    }

    /// <summary>The 64 unsigned integers of part p of a Q4_K or Q5_K super-block, as values 0–31 and 32–63 of the part.</summary>
    private interface IKParts256
    {
        static abstract int BlockBytes { get; }

        /// <summary>Values 64p .. 64p+31 of the part.</summary>
        static abstract Vector256<byte> Low(ref byte block, int part);

        /// <summary>Values 64p+32 .. 64p+63 of the part.</summary>
        static abstract Vector256<byte> High(ref byte block, int part);
    }

    private readonly struct Q4_KParts256 : IKParts256
    {
        public static int BlockBytes => 144;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Low(ref byte block, int part) => Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 32 * part)) & Vector256.Create((byte)0x0F);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> High(ref byte block, int part) => Vector256.ShiftRightLogical(Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 32 * part)), 4);
    }

    private readonly struct Q5_KParts256 : IKParts256
    {
        public static int BlockBytes => 176;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Low(ref byte block, int part) =>
            (Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 48 + 32 * part)) & Vector256.Create((byte)0x0F)) | FifthBit(ref block, 2 * part);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> High(ref byte block, int part) =>
            Vector256.ShiftRightLogical(Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 48 + 32 * part)), 4) | FifthBit(ref block, 2 * part + 1);

        /// <summary>16 where bit <paramref name="bit"/> of qh[l] is set.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> FifthBit(ref byte block, int bit) =>
            BitsToFour(Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16)), bit) & Vector256.Create((byte)0x10);
    }

    /// <summary>Q4_K/Q5_K in 256 bits: the 6-bit scales and minima unpacked a word at a time, the minima summed in int32 beside the lanes.</summary>
    private readonly struct ScaledMinima256<TParts> : ISuperBlock256
        where TParts : struct, IKParts256
    {
        public static int BlockBytes => TParts.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc, ref float minimum)
        {
            float d = HalfScale.Read(ref block) * dx;
            minimum += HalfScale.Read(ref Unsafe.Add(ref block, 2)) * dx * MinimumSum(ref block, in x, superBlock, out var scaleValues);
            var both = Vector256.Create(scaleValues, scaleValues);

            // The four parts written out (not a loop), so each part's offsets, shifts and shuffle controls are constants.
            var sum = Part(ref block, ref xb, both, 0) + Part(ref block, ref xb, both, 1) + Part(ref block, ref xb, both, 2) + Part(ref block, ref xb, both, 3);
            return SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Part(ref byte block, ref sbyte xb, Vector256<short> both, int part)
        {
            return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(TParts.Low(ref block, part), Vector256.LoadUnsafe(ref xb, (nuint)(64 * part))), Spread(both, 2 * part, 2 * part))
                + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(TParts.High(ref block, part), Vector256.LoadUnsafe(ref xb, (nuint)(64 * part + 32))), Spread(both, 2 * part + 1, 2 * part + 1));
        }
    }

    /// <summary>Σ_j min_j·Σx_j of a Q4_K/Q5_K super-block (exact, in int32), and its eight 6-bit scales as int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MinimumSum(ref byte block, in Buffers x, int superBlock, out Vector128<short> scaleValues)
    {
        KScales.Unpack8(ref Unsafe.Add(ref block, 4), out ulong scales, out ulong minima);
        scaleValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte());
        Vector128<short> minimumValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(minima).AsByte());
        return Vector128.Sum(Sse2.MultiplyAddAdjacent(minimumValues, Vector128.LoadUnsafe(ref Unsafe.Add(ref x.BlockSums, 8 * superBlock))));
    }

    /// <summary>
    /// Q6_K in 256 bits: q = u − 32 for u = nibble | two bits of qh (0–63), so Σ q·x = Σ u·x − 32·Σx per
    /// <c>vpmaddubsw</c> pair, the 32·Σx pairs rounded once per token beside the activations. The int16
    /// pair sums are exactly those of ggml's sign trick (|q| against x carrying q's sign) that this
    /// replaced, without its subtract, abs and sign per vector: |u·x pair| ≤ 2·63·127 does not saturate.
    /// </summary>
    private readonly struct Q6_KBlock256 : ISuperBlock256
    {
        public static int BlockBytes => 210;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Accumulate(ref byte block, ref sbyte xb, in Buffers x, int superBlock, float dx, Vector256<float> acc, ref float minimum)
        {
            float d = HalfScale.Read(ref Unsafe.Add(ref block, 208)) * dx;
            var scales = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 192)).AsSByte());
            var first = Vector256.Create(scales.GetLower(), scales.GetLower());   // scales 0–7: parts 0, 1
            var second = Vector256.Create(scales.GetUpper(), scales.GetUpper());  // scales 8–15: parts 2, 3
            ref short offsets = ref Unsafe.Add(ref x.PairOffsets, 128 * superBlock);
            var sum = Part(ref block, ref xb, ref offsets, first, 0) + Part(ref block, ref xb, ref offsets, first, 1)
                + Part(ref block, ref xb, ref offsets, second, 2) + Part(ref block, ref xb, ref offsets, second, 3);
            return SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
        }

        /// <summary>Part p (values 64p .. 64p+63) against the activations, times its four chunks' scales from <paramref name="source"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Part(ref byte block, ref sbyte xb, ref short offsets, Vector256<short> source, int part)
        {
            int half = part >> 1, shift = 4 * (part & 1), k = 4 * (part & 1);
            var ql0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half));
            var ql1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half + 32));
            var qh = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 128 + 32 * half));
            var nibble = Vector256.Create((byte)0x0F);
            var twoBits = Vector256.Create((byte)0x30);
            var u01 = (Nibbles(ql0, shift) & nibble) | (BitsToFour(qh, shift) & twoBits);
            var u23 = (Nibbles(ql1, shift) & nibble) | (BitsToFour(qh, shift + 2) & twoBits);
            var p01 = Avx2.MultiplyAddAdjacent(u01, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part))) - Vector256.LoadUnsafe(ref offsets, (nuint)(32 * part));
            var p23 = Avx2.MultiplyAddAdjacent(u23, Vector256.LoadUnsafe(ref xb, (nuint)(64 * part + 32))) - Vector256.LoadUnsafe(ref offsets, (nuint)(32 * part + 16));
            return Avx2.MultiplyAddAdjacent(p01, Spread(source, k, k + 1)) + Avx2.MultiplyAddAdjacent(p23, Spread(source, k + 2, k + 3));
        }

        /// <summary>The bytes' high nibbles moved to the low ones (<paramref name="shift"/> 4) or left (0), before the caller's mask: one 16-bit shift, not .NET's byte-shift emulation.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> Nibbles(Vector256<byte> ql, int shift) =>
            shift == 0 ? ql : Avx2.ShiftRightLogical(ql.AsUInt16(), 4).AsByte();
    }

    /// <summary>
    /// Bit <paramref name="bit"/> (and those above it) of each byte moved to bit 4 by one 16-bit shift. Bits that
    /// cross into the neighbouring byte land in bits 0–3 (a left shift of at most 4) or 8−k..7 (a right shift
    /// of k ≤ 3), so a caller masking bit 4 (Q5_K's fifth bit), or bits 4–5 with
    /// <paramref name="bit"/> in 0, 2, 4, 6 (Q6_K's two high bits), gets each byte's own bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> BitsToFour(Vector256<byte> v, int bit) =>
        bit < 4 ? Vector256.ShiftLeft(v.AsUInt16(), 4 - bit).AsByte()
        : bit > 4 ? Vector256.ShiftRightLogical(v.AsUInt16(), bit - 4).AsByte()
        : v;

    /// <summary>int16 lanes: scale <paramref name="low"/> of the 8 in each 128-bit lane of <paramref name="scales"/> in the low lane, <paramref name="high"/> in the high lane (one vpshufb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Spread(Vector256<short> scales, int low, int high)
    {
        ulong a = (ulong)(2 * low | (2 * low + 1) << 8) * 0x0001_0001_0001_0001UL, b = (ulong)(2 * high | (2 * high + 1) << 8) * 0x0001_0001_0001_0001UL;
        return Avx2.Shuffle(scales.AsByte(), Vector256.Create(a, a, b, b).AsByte()).AsInt16();
    }
}
