using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// The Q4_0 integer kernels: four rows × four blocks per step, each (row, block) reduced to its one
/// exact integer before any float operation.
/// </summary>
/// <remarks>
/// <para>A Q4_0 block is 32 weights in 18 bytes, so a kernel that scales every block's partial sums
/// in float spends most of its instructions per block on the scale (widening the float16, the
/// product with d_x, a broadcast, a conversion and a multiply-add per row) rather than on the 16
/// bytes of weights; measured on AMD Zen 5 (AVX-512) that kernel ran 85 instructions per four rows
/// of one block and decoding a Q4_0 model was bound by them, not by memory (one core gave 53% of two
/// cores' tokens/s). Here a step takes four blocks of four rows (512 weights): each row's 64 quant
/// bytes in one zmm (a 128-bit lane per block), the activations of the four blocks pre-arranged to
/// match (<see cref="_grouped"/>: low halves, then high halves), <c>vpmaddubsw</c> and
/// <c>vpmaddwd</c> to int32, then a 4 × 4 transpose-add of the four rows' sums, so that one vector
/// holds the 16 exact block sums Σ u·x, lane j block j, element r row r. The offset 8·Σx comes off
/// in integers, one conversion, the 16 float16 scales in two gathers and one vector widening, one
/// multiply by d_x and one multiply-add: about 90 instructions for 512 weights, prefetch included.</para>
/// <para>Order of the float operations, the same on every path and for a row in any tile: row r
/// keeps four partial sums ("slots"), slot j taking blocks j, j + 4, j + 8, …, each as
/// slot ← fma(float(Σ u·x − 8·Σx), d_w·d_x, slot); the row's result is (slot0 + slot1) + (slot2 + slot3).
/// Blocks left over past the last group of four (rows of 32·(4k + 1..3) values) take the same step
/// one block at a time. Rows past a one- or two-row tile's end read the tile's last row again
/// (nothing past the matrix), so a row has the same bits alone and in a tile, and Vector256 and
/// Vector512 compute it alike.</para>
/// </remarks>
public sealed partial class Q8Activations
{
    /// <summary>
    /// The activations per group of four blocks (128 bytes): the four blocks' values 0–15 (what the
    /// low nibbles multiply), then their values 16–31 (the high nibbles'), so that a block's 16 quant
    /// bytes meet their activations lane for lane.
    /// </summary>
    private readonly sbyte[] _grouped;

    /// <summary>8·Σx per block, four times (one per row of a step's lane).</summary>
    private readonly int[] _nibbleOffsets;

    /// <summary>d_x per block, four times (also what the Q8_0/Q5_0 tiles multiply a step's 16 widened scales by).</summary>
    private readonly float[] _groupScales;

    /// <summary>Arranges the last <see cref="Quantize"/>'s blocks for the four-block steps of the 32-value kernels.</summary>
    private void Group(int blocks)
    {
        for (int b = 0; b < blocks; b++)
        {
            int group = 128 * (b / 4), lane = 16 * (b % 4);
            _values.AsSpan(32 * b, 16).CopyTo(_grouped.AsSpan(group + lane, 16));
            _values.AsSpan(32 * b + 16, 16).CopyTo(_grouped.AsSpan(group + 64 + lane, 16));
            _nibbleOffsets.AsSpan(4 * b, 4).Fill(Q4_0Bytes.Offset * _sums[b]);
            _groupScales.AsSpan(4 * b, 4).Fill(_scales[b]);
        }
    }

    /// <summary>
    /// Gather offsets of the scales of a step's first two blocks (element 4j + r: row r's block j), rows
    /// <paramref name="step1"/>, then <paramref name="step2"/> bytes apart, blocks <paramref name="blockBytes"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaleIndex(int step1, int step2, int blockBytes) =>
        Vector256.Create(Vector128.Create(0, step1, step1 + step2, step1 + 2 * step2)) + Vector256.Create(0, 0, 0, 0, blockBytes, blockBytes, blockBytes, blockBytes);

    /// <summary>
    /// A step's 16 block scales (four blocks of four rows from <paramref name="first"/>, element 4j + r)
    /// widened and multiplied by their blocks' d_x (<paramref name="activationScales"/>, four per block):
    /// two gathers of eight (.NET 10 has no 512-bit gather), one widening, one multiply.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> StepScales(byte* first, Vector256<int> index, int blockBytes, ref float activationScales)
    {
        var halves = Avx512F.InsertVector256(Avx2.GatherVector256((int*)first, index, 1).ToVector512Unsafe(), Avx2.GatherVector256((int*)(first + 2 * blockBytes), index, 1), 1);
        return HalfScale.Widen(halves.AsUInt32()) * Vector512.LoadUnsafe(ref activationScales);
    }

    /// <summary>Writes (or adds) the step-ordered row results: (slot0 + slot1) + (slot2 + slot3), rows in the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSlots<TRows>(ref float y, bool accumulate, Vector128<float> slot0, Vector128<float> slot1, Vector128<float> slot2, Vector128<float> slot3)
        where TRows : struct, IRowCount
    {
        var rows = (slot0 + slot1) + (slot2 + slot3);
        for (int r = 0; r < TRows.Count; r++)
        {
            Put(ref Unsafe.Add(ref y, r), rows.GetElement(r), accumulate);
        }
    }

    /// <summary>One leftover block of four rows (each row's exact Σ u·x − 8·Σx and its d_w·d_x), as the grouped step computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LeftoverBlock(in Buffers x, int b, ref byte b0, ref byte b1, ref byte b2, ref byte b3, out Vector128<float> sums, out Vector128<float> scales)
    {
        var xs = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * b));
        int offset = Q4_0Bytes.Offset * Unsafe.Add(ref x.Sums, b);
        sums = Vector128.ConvertToSingle(Vector128.Create(
            Vector256.Sum(Q4_0Bytes.Dot(ref b0, xs)) - offset,
            Vector256.Sum(Q4_0Bytes.Dot(ref b1, xs)) - offset,
            Vector256.Sum(Q4_0Bytes.Dot(ref b2, xs)) - offset,
            Vector256.Sum(Q4_0Bytes.Dot(ref b3, xs)) - offset));
        scales = HalfScale.Read4(ref b0, ref b1, ref b2, ref b3) * Vector128.Create(Unsafe.Add(ref x.Scales, b));
    }

    /// <summary>Q4_0 on 512 bits: a step's 16 block sums in one zmm (lane j block j, element r row r).</summary>
    private readonly struct Q4_0Tile512 : IRowKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static unsafe void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount
        {
            // A one- or two-row tile reads its last row again in place of the rows it lacks.
            int step1 = TRows.Count >= 2 ? rowBytes : 0, step2 = TRows.Count == 4 ? rowBytes : 0;
            ref byte row1 = ref Unsafe.Add(ref row, step1);
            ref byte row2 = ref Unsafe.Add(ref row1, step2);
            ref byte row3 = ref Unsafe.Add(ref row2, step2);
            byte* next = (byte*)Unsafe.AsPointer(ref ahead);
            ref sbyte grouped = ref x.Grouped;
            ref int offsets = ref x.NibbleOffsets;
            ref float activationScales = ref x.GroupScales;
            var index = ScaleIndex(step1, step2, Q4_0Bytes.BlockBytes);
            var nibble = Vector512.Create((byte)0x0F);
            var acc = Vector512<float>.Zero;
            int groups = blocks / 4;
            nint offset = 0;
            for (int g = 0; g < groups; g++, offset += 4 * Q4_0Bytes.BlockBytes)
            {
                if (TRows.Count == 4)
                {
                    PrefetchAhead(next + 4 * offset, 4 * Q4_0Bytes.BlockBytes);
                }

                var xlo = Vector512.LoadUnsafe(ref grouped, (nuint)(128 * g));
                var xhi = Vector512.LoadUnsafe(ref grouped, (nuint)(128 * g + 64));
                var p0 = Dot(Quants(ref Unsafe.Add(ref row, offset)), xlo, xhi, nibble);
                var p1 = Dot(Quants(ref Unsafe.Add(ref row1, offset)), xlo, xhi, nibble);
                var p2 = Dot(Quants(ref Unsafe.Add(ref row2, offset)), xlo, xhi, nibble);
                var p3 = Dot(Quants(ref Unsafe.Add(ref row3, offset)), xlo, xhi, nibble);

                // 4 × 4 transpose-add within each lane: lane j becomes block j's sums of rows 0–3.
                var t01 = Avx512F.UnpackLow(p0, p1) + Avx512F.UnpackHigh(p0, p1);
                var t23 = Avx512F.UnpackLow(p2, p3) + Avx512F.UnpackHigh(p2, p3);
                var sums = Avx512F.UnpackLow(t01.AsInt64(), t23.AsInt64()).AsInt32() + Avx512F.UnpackHigh(t01.AsInt64(), t23.AsInt64()).AsInt32();
                sums -= Vector512.LoadUnsafe(ref offsets, (nuint)(16 * g));

                var scales = StepScales((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref row, offset)), index, Q4_0Bytes.BlockBytes, ref Unsafe.Add(ref activationScales, 16 * g));
                acc = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(sums), scales, acc);
            }

            for (int b = 4 * groups; b < blocks; b++)
            {
                nint at = (nint)b * Q4_0Bytes.BlockBytes;
                LeftoverBlock(in x, b, ref Unsafe.Add(ref row, at), ref Unsafe.Add(ref row1, at), ref Unsafe.Add(ref row2, at), ref Unsafe.Add(ref row3, at), out var blockSums, out var blockScales);
                var lane = Vector512.Equals(Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), Vector512.Create(b % 4)).AsSingle();
                acc = Vector512.ConditionalSelect(lane, SimdPolicy.MultiplyAdd(Vector512.Create(blockSums), Vector512.Create(blockScales), acc), acc);
            }

            StoreSlots<TRows>(ref y, accumulate, acc.GetLower().GetLower(), acc.GetLower().GetUpper(), acc.GetUpper().GetLower(), acc.GetUpper().GetUpper());
        }

        /// <summary>A row's four blocks' 16 quant bytes, block j in lane j (a load and three inserts from memory).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Quants(ref byte group)
        {
            var v = Vector128.LoadUnsafe(ref group, 2).ToVector256Unsafe().ToVector512Unsafe();
            v = Avx512F.InsertVector128(v, Vector128.LoadUnsafe(ref group, 20), 1);
            v = Avx512F.InsertVector128(v, Vector128.LoadUnsafe(ref group, 38), 2);
            return Avx512F.InsertVector128(v, Vector128.LoadUnsafe(ref group, 56), 3);
        }

        /// <summary>Σ u·x in int32, four partial sums per block lane: low nibbles against values 0–15, high against 16–31.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Dot(Vector512<byte> quants, Vector512<sbyte> xlo, Vector512<sbyte> xhi, Vector512<byte> nibble)
        {
            var low = quants & nibble;
            var high = Vector512.ShiftRightLogical(quants.AsUInt16(), 4).AsByte() & nibble;

            // Each int16 is at most 2·15·127, two of them 7620: no saturation before vpmaddwd widens.
            var pairs = Avx512BW.MultiplyAddAdjacent(low, xlo) + Avx512BW.MultiplyAddAdjacent(high, xhi);
            return Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One);
        }
    }

    /// <summary>Q4_0 on 256 bits: a step's 16 block sums in two ymm (blocks 0–1, blocks 2–3), as <see cref="Q4_0Tile512"/>'s lanes.</summary>
    private readonly struct Q4_0Tile256 : IRowKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static unsafe void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount
        {
            int step1 = TRows.Count >= 2 ? rowBytes : 0, step2 = TRows.Count == 4 ? rowBytes : 0;
            ref byte row1 = ref Unsafe.Add(ref row, step1);
            ref byte row2 = ref Unsafe.Add(ref row1, step2);
            ref byte row3 = ref Unsafe.Add(ref row2, step2);
            byte* next = (byte*)Unsafe.AsPointer(ref ahead);
            ref sbyte grouped = ref x.Grouped;
            ref int offsets = ref x.NibbleOffsets;
            ref float activationScales = ref x.GroupScales;
            var index = ScaleIndex(step1, step2, Q4_0Bytes.BlockBytes);
            Vector256<float> acc01 = default, acc23 = default;
            int groups = blocks / 4;
            nint offset = 0;
            for (int g = 0; g < groups; g++, offset += 4 * Q4_0Bytes.BlockBytes)
            {
                if (TRows.Count == 4)
                {
                    PrefetchAhead(next + 4 * offset, 4 * Q4_0Bytes.BlockBytes);
                }

                ref sbyte xs = ref Unsafe.Add(ref grouped, 128 * g);
                ref byte b0 = ref Unsafe.Add(ref row, offset);
                ref byte b1 = ref Unsafe.Add(ref row1, offset);
                ref byte b2 = ref Unsafe.Add(ref row2, offset);
                ref byte b3 = ref Unsafe.Add(ref row3, offset);
                var sums01 = Transposed(Dot(ref b0, 0, ref xs), Dot(ref b1, 0, ref xs), Dot(ref b2, 0, ref xs), Dot(ref b3, 0, ref xs))
                    - Vector256.LoadUnsafe(ref offsets, (nuint)(16 * g));
                var sums23 = Transposed(Dot(ref b0, 1, ref xs), Dot(ref b1, 1, ref xs), Dot(ref b2, 1, ref xs), Dot(ref b3, 1, ref xs))
                    - Vector256.LoadUnsafe(ref offsets, (nuint)(16 * g + 8));

                byte* scaleBase = (byte*)Unsafe.AsPointer(ref b0);
                var scales01 = HalfScale.Widen(Avx2.GatherVector256((int*)scaleBase, index, 1).AsUInt32()) * Vector256.LoadUnsafe(ref activationScales, (nuint)(16 * g));
                var scales23 = HalfScale.Widen(Avx2.GatherVector256((int*)(scaleBase + 2 * Q4_0Bytes.BlockBytes), index, 1).AsUInt32()) * Vector256.LoadUnsafe(ref activationScales, (nuint)(16 * g + 8));
                acc01 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sums01), scales01, acc01);
                acc23 = SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(sums23), scales23, acc23);
            }

            for (int b = 4 * groups; b < blocks; b++)
            {
                nint at = (nint)b * Q4_0Bytes.BlockBytes;
                LeftoverBlock(in x, b, ref Unsafe.Add(ref row, at), ref Unsafe.Add(ref row1, at), ref Unsafe.Add(ref row2, at), ref Unsafe.Add(ref row3, at), out var blockSums, out var blockScales);
                var lane = Vector256.Equals(Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1), Vector256.Create(b % 2)).AsSingle();
                if (b % 4 < 2)
                {
                    acc01 = Vector256.ConditionalSelect(lane, SimdPolicy.MultiplyAdd(Vector256.Create(blockSums, blockSums), Vector256.Create(blockScales, blockScales), acc01), acc01);
                }
                else
                {
                    acc23 = Vector256.ConditionalSelect(lane, SimdPolicy.MultiplyAdd(Vector256.Create(blockSums, blockSums), Vector256.Create(blockScales, blockScales), acc23), acc23);
                }
            }

            StoreSlots<TRows>(ref y, accumulate, acc01.GetLower(), acc01.GetUpper(), acc23.GetLower(), acc23.GetUpper());
        }

        /// <summary>Blocks 2·pair and 2·pair + 1 of a row's group: Σ u·x in int32, four partial sums per block lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Dot(ref byte group, int pair, ref sbyte xs)
        {
            int first = 2 + 2 * Q4_0Bytes.BlockBytes * pair;
            var quants = Vector256.Create(Vector128.LoadUnsafe(ref group, (nuint)first), Vector128.LoadUnsafe(ref group, (nuint)(first + Q4_0Bytes.BlockBytes)));
            var nibble = Vector256.Create((byte)0x0F);
            var low = quants & nibble;
            var high = Vector256.ShiftRightLogical(quants.AsUInt16(), 4).AsByte() & nibble;
            var xlo = Vector256.LoadUnsafe(ref xs, (nuint)(32 * pair));
            var xhi = Vector256.LoadUnsafe(ref xs, (nuint)(64 + 32 * pair));
            if (AvxVnni.IsSupported)
            {
                return AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, low, xlo), high, xhi);
            }

            return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, xlo) + Avx2.MultiplyAddAdjacent(high, xhi), Vector256.Create((short)1));
        }

        /// <summary>4 × 4 transpose-add within each 128-bit lane: lane j becomes block j's sums of rows 0–3.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Transposed(Vector256<int> p0, Vector256<int> p1, Vector256<int> p2, Vector256<int> p3)
        {
            var t01 = Avx2.UnpackLow(p0, p1) + Avx2.UnpackHigh(p0, p1);
            var t23 = Avx2.UnpackLow(p2, p3) + Avx2.UnpackHigh(p2, p3);
            return Avx2.UnpackLow(t01.AsInt64(), t23.AsInt64()).AsInt32() + Avx2.UnpackHigh(t01.AsInt64(), t23.AsInt64()).AsInt32();
        }
    }
}
