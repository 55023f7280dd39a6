using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Checkpoints;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// The Vector512 integer kernels (AVX-512 BW): four rows per pass, each loaded activation vector
/// serving the four rows, each row's 64 values per instruction.
/// </summary>
/// <remarks>
/// <para>.NET 10 exposes no 512-bit VNNI (<c>vpdpbusd</c> on zmm) on AVX-512 machines such as Zen 4
/// (<c>AvxVnni</c> is the VEX form, <c>Avx10v1</c> is absent there), so the products are AVX-512 BW's
/// <c>vpmaddubsw</c> (unsigned weight × signed activation bytes, pairs summed to int16) and
/// <c>vpmaddwd</c> (int16 pairs to int32, for the K types times each 16 values' integer scale). Every
/// sum is exact in int32: the unsigned weights are at most 63, the activations at most 127 in
/// magnitude, so no int16 pair saturates.</para>
/// <para>Offsets leave the inner loop: a weight q = u − o (Q4_0: 8, Q5_0: 16, Q6_K: 32) enters as u,
/// and o·Σx is taken off once per block from the activations' sums, which are computed once per input.
/// Q8_0's signed weights are widened to int16 against activations kept as int16 too (one
/// <c>vpmovsxbw</c> and one <c>vpmaddwd</c> per 32 values), which needs neither AVX2's sign trick
/// (AVX-512 has no <c>vpsignb</c>) nor an offset.</para>
/// <para>Register budget of a 4-row tile: 4 float accumulators, the shared activation vectors (2 for
/// the 32-value types, 4 for a K super-block) and about 8 temporaries: under 20 of the 32 zmm.</para>
/// <para>The 32-value types pair blocks: two Q4_0/Q5_0 blocks' nibbles form one vector in the order
/// [low 16 of block 0, low 16 of block 1, high 16 of block 0, high 16 of block 1], which is how the
/// activations are laid out for them (<c>_paired</c>), so a pair costs one insert and no shuffle.</para>
/// </remarks>
public sealed partial class Q8Activations
{
    /// <summary>Q4_K/Q5_K: for part p, the int16 lanes' scale index (chunks of 16 values 0,1 → sub-block 2p; 2,3 → 2p+1).</summary>
    private static ReadOnlySpan<short> SubBlockIndices => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7];

    /// <summary>Q6_K: for part p, the int16 lanes' scale index (chunk k of 16 values → scale 4p+k).</summary>
    private static ReadOnlySpan<short> ChunkIndices => [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15];

    /// <summary>Q5_0 pairs: which byte of the two blocks' qh words (block 0 bytes 0–3, block 1 bytes 4–7) each value's fifth bit is in.</summary>
    private static ReadOnlySpan<byte> FifthBitBytes => [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7];

    /// <summary>Q5_0 pairs: the bit of that byte.</summary>
    private static ReadOnlySpan<byte> FifthBitMasks => [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];

    /// <summary>Lays the Q8_0 rounding out for the Vector512 Q4_0/Q5_0 kernels: per pair of blocks, chunks reordered, scales and sums in lane order.</summary>
    private void ArrangePairs(int blocks)
    {
        for (int p = 0; p < blocks / 2; p++)
        {
            var values = _values.AsSpan(64 * p, 64);
            var paired = _paired.AsSpan(64 * p, 64);
            values[..16].CopyTo(paired);
            values.Slice(32, 16).CopyTo(paired[16..]);
            values.Slice(16, 16).CopyTo(paired[32..]);
            values.Slice(48, 16).CopyTo(paired[48..]);
            var scales = _pairScales.AsSpan(16 * p, 16);
            var sums = _pairSums.AsSpan(16 * p, 16);
            sums.Clear();
            for (int lane = 0; lane < 16; lane++)
            {
                scales[lane] = _scales[2 * p + ((lane >> 2) & 1)];
            }

            sums[0] = _sums[2 * p];
            sums[4] = _sums[2 * p + 1];
        }
    }

    /// <summary>The Vector512 path of <see cref="Multiply(QuantizedMatrix, Span{float}, int, bool, int)"/>.</summary>
    private void Multiply512(GgufTensorType type, ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
    {
        switch (type)
        {
            case GgufTensorType.Q8_0: Rows<Q8_0Wide>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_0: Rows<Q4_0Pairs>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q5_0: Rows<Q5_0Pairs>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_K: Rows<Q4_KWide>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            case GgufTensorType.Q5_K: Rows<Q5_KWide>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            default: Rows<Q6_KWide>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
        }
    }

    /// <summary>Tiles of four rows, then the rows left over one at a time, by the same tile code (both widths).</summary>
    private void Rows<TKernel>(ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
        where TKernel : struct, IRowKernel
    {
        var buffers = new Buffers(this);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int r = 0;
        for (; r <= y.Length - 4; r += 4)
        {
            TKernel.Tile<FourRows>(in buffers, ref Unsafe.Add(ref rows, (nint)r * rowBytes), rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate);
        }

        for (; r < y.Length; r++)
        {
            TKernel.Tile<OneRow>(in buffers, ref Unsafe.Add(ref rows, (nint)r * rowBytes), rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate);
        }
    }

    /// <summary>Writes (or adds) the tile's row sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(ref float y, bool accumulate, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
        where TRows : struct, IRowCount
    {
        Put(ref y, Vector512.Sum(a0), accumulate);
        if (TRows.Count == 4)
        {
            Put(ref Unsafe.Add(ref y, 1), Vector512.Sum(a1), accumulate);
            Put(ref Unsafe.Add(ref y, 2), Vector512.Sum(a2), accumulate);
            Put(ref Unsafe.Add(ref y, 3), Vector512.Sum(a3), accumulate);
        }

        static void Put(ref float target, float sum, bool accumulate) => target = accumulate ? target + sum : sum;
    }

    /// <summary>The rounded activations as the kernels read them (references into this instance's arrays).</summary>
    private readonly ref struct Buffers
    {
        public readonly ref sbyte Values;
        public readonly ref short Wide;
        public readonly ref sbyte Paired;
        public readonly ref float Scales;
        public readonly ref float PairScales;
        public readonly ref int Sums;
        public readonly ref int PairSums;
        public readonly ref float SuperScales;
        public readonly ref short BlockSums;
        public readonly ref short ChunkSums;

        public Buffers(Q8Activations q)
        {
            Values = ref MemoryMarshal.GetArrayDataReference(q._values);
            Wide = ref MemoryMarshal.GetArrayDataReference(q._wide);
            Paired = ref MemoryMarshal.GetArrayDataReference(q._paired);
            Scales = ref MemoryMarshal.GetArrayDataReference(q._scales);
            PairScales = ref MemoryMarshal.GetArrayDataReference(q._pairScales);
            Sums = ref MemoryMarshal.GetArrayDataReference(q._sums);
            PairSums = ref MemoryMarshal.GetArrayDataReference(q._pairSums);
            SuperScales = ref MemoryMarshal.GetArrayDataReference(q._superScales);
            BlockSums = ref MemoryMarshal.GetArrayDataReference(q._blockSums);
            ChunkSums = ref MemoryMarshal.GetArrayDataReference(q._chunkSums);
        }
    }

    /// <summary>Rows per tile, a constant the JIT folds.</summary>
    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private readonly struct OneRow : IRowCount
    {
        public static int Count => 1;
    }

    private readonly struct FourRows : IRowCount
    {
        public static int Count => 4;
    }

    /// <summary>One block family's tile on one width: 1 or 4 rows over the whole row length.</summary>
    private interface IRowKernel
    {
        static abstract void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount;
    }

    /// <summary>Q8_0: per block, the 32 signed weights widened to int16 against the int16 activations.</summary>
    private readonly struct Q8_0Wide : IRowKernel
    {
        private const int BlockBytes = 34;

        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += BlockBytes)
            {
                var xs = Vector512.LoadUnsafe(ref x.Wide, (nuint)(32 * b));
                float dx = Unsafe.Add(ref x.Scales, b);
                a0 = Block(ref Unsafe.Add(ref row, offset), xs, dx, a0);
                if (TRows.Count == 4)
                {
                    a1 = Block(ref Unsafe.Add(ref row, rowBytes + offset), xs, dx, a1);
                    a2 = Block(ref Unsafe.Add(ref row, 2 * rowBytes + offset), xs, dx, a2);
                    a3 = Block(ref Unsafe.Add(ref row, 3 * rowBytes + offset), xs, dx, a3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Block(ref byte block, Vector512<short> x, float dx, Vector512<float> acc)
        {
            var w = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 2)).AsSByte());
            var dot = Avx512BW.MultiplyAddAdjacent(w, x);
            return SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(dot), Vector512.Create(HalfScale.Read(ref block) * dx), acc);
        }
    }

    /// <summary>What a Q4_0/Q5_0 pair kernel needs of its block type.</summary>
    private interface IPairBlock
    {
        static abstract int BlockBytes { get; }

        /// <summary>q = u − Offset.</summary>
        static abstract int Offset { get; }

        /// <summary>Two consecutive blocks' unsigned integers in the paired order.</summary>
        static abstract Vector512<byte> Pair(ref byte block);

        /// <summary>One block's unsigned integers in value order (the last block of an odd count).</summary>
        static abstract Vector256<byte> Single(ref byte block);
    }

    /// <summary>The Q4_0/Q5_0 tile: pairs of blocks per 512-bit product, a last odd block in 256 bits.</summary>
    private readonly struct PairKernel<TBlock> : IRowKernel
        where TBlock : struct, IPairBlock
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            nint offset = 0;
            int p = 0;
            for (; p < blocks / 2; p++, offset += 2 * TBlock.BlockBytes)
            {
                var xs = Vector512.LoadUnsafe(ref x.Paired, (nuint)(64 * p));
                var dx = Vector512.LoadUnsafe(ref x.PairScales, (nuint)(16 * p));
                var sums = Vector512.LoadUnsafe(ref x.PairSums, (nuint)(16 * p)) * TBlock.Offset;
                a0 = Pair(ref Unsafe.Add(ref row, offset), xs, dx, sums, a0);
                if (TRows.Count == 4)
                {
                    a1 = Pair(ref Unsafe.Add(ref row, rowBytes + offset), xs, dx, sums, a1);
                    a2 = Pair(ref Unsafe.Add(ref row, 2 * rowBytes + offset), xs, dx, sums, a2);
                    a3 = Pair(ref Unsafe.Add(ref row, 3 * rowBytes + offset), xs, dx, sums, a3);
                }
            }

            if ((blocks & 1) != 0)
            {
                int b = 2 * p;
                var xs = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * b));
                float dx = Unsafe.Add(ref x.Scales, b);
                var sums = Vector256.CreateScalar(Unsafe.Add(ref x.Sums, b) * TBlock.Offset);
                a0 = Single(ref Unsafe.Add(ref row, offset), xs, dx, sums, a0);
                if (TRows.Count == 4)
                {
                    a1 = Single(ref Unsafe.Add(ref row, rowBytes + offset), xs, dx, sums, a1);
                    a2 = Single(ref Unsafe.Add(ref row, 2 * rowBytes + offset), xs, dx, sums, a2);
                    a3 = Single(ref Unsafe.Add(ref row, 3 * rowBytes + offset), xs, dx, sums, a3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Pair(ref byte block, Vector512<sbyte> x, Vector512<float> dx, Vector512<int> offsets, Vector512<float> acc)
        {
            var shorts = Avx512BW.MultiplyAddAdjacent(TBlock.Pair(ref block), x);
            var dot = Avx512BW.MultiplyAddAdjacent(shorts, Vector512<short>.One) - offsets;
            var d = Vector256.Create(Vector128.Create(HalfScale.Read(ref block)), Vector128.Create(HalfScale.Read(ref Unsafe.Add(ref block, TBlock.BlockBytes))));
            return SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(dot), Vector512.Create(d, d) * dx, acc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Single(ref byte block, Vector256<sbyte> x, float dx, Vector256<int> offset, Vector512<float> acc)
        {
            var dot = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(TBlock.Single(ref block), x), Vector256<short>.One) - offset;
            return SimdPolicy.MultiplyAdd(Avx.ConvertToVector256Single(dot).ToVector512(), Vector512.Create(HalfScale.Read(ref block) * dx), acc);
        }
    }

    private readonly struct Q4_0Pairs : IRowKernel
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount => PairKernel<Q4_0Pair>.Tile<TRows>(in x, ref row, rowBytes, blocks, ref y, accumulate);
    }

    private readonly struct Q5_0Pairs : IRowKernel
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount => PairKernel<Q5_0Pair>.Tile<TRows>(in x, ref row, rowBytes, blocks, ref y, accumulate);
    }

    /// <summary>Q4_0 { half d; u8 qs[16]; }: low nibbles values 0–15, high nibbles 16–31, offset 8.</summary>
    private readonly struct Q4_0Pair : IPairBlock
    {
        public static int BlockBytes => 18;

        public static int Offset => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Pair(ref byte block)
        {
            var qs = Vector256.Create(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 2)), Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 20)));
            return Vector512.Create(qs & Vector256.Create((byte)0x0F), Vector256.ShiftRightLogical(qs, 4));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Single(ref byte block)
        {
            var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 2));
            return Vector256.Create(qs & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(qs, 4));
        }
    }

    /// <summary>Q5_0 { half d; u8 qh[4]; u8 qs[16]; }: Q4_0's nibbles with bit j of qh as value j's fifth bit, offset 16.</summary>
    private readonly struct Q5_0Pair : IPairBlock
    {
        public static int BlockBytes => 22;

        public static int Offset => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Pair(ref byte block)
        {
            var qs = Vector256.Create(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 6)), Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 28)));
            var nibbles = Vector512.Create(qs & Vector256.Create((byte)0x0F), Vector256.ShiftRightLogical(qs, 4));

            // Both blocks' qh in every 128-bit lane; each byte picks its bit's byte, masks the bit, compares.
            ulong qh = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref block, 2)) | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref block, 24)) << 32);
            var spread = Avx512BW.Shuffle(Vector512.Create(qh).AsByte(), Vector512.Create(FifthBitBytes));
            var mask = Vector512.Create(FifthBitMasks);
            return nibbles | (Vector512.Equals(spread & mask, mask) & Vector512.Create((byte)16));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Single(ref byte block)
        {
            Q5_0Decoder.Values(ref block, out var low, out var high);
            var sixteen = Vector128.Create((sbyte)16);
            return Vector256.Create((low + sixteen).AsByte(), (high + sixteen).AsByte());
        }
    }

    /// <summary>What a K tile needs of its super-block type.</summary>
    private interface ISuperBlock512
    {
        static abstract int BlockBytes { get; }

        /// <summary>acc + this super-block's Σ w·x̃ / dx, for the four 64-value parts of the activations.</summary>
        static abstract Vector512<float> Accumulate(ref byte block, Vector512<sbyte> x0, Vector512<sbyte> x1, Vector512<sbyte> x2, Vector512<sbyte> x3,
            in Buffers x, int superBlock, float dx, Vector512<float> acc);
    }

    /// <summary>The K tile: per super-block, the activations' four parts loaded once for the tile's rows.</summary>
    private readonly struct KKernel<TBlock> : IRowKernel
        where TBlock : struct, ISuperBlock512
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                ref sbyte xb = ref Unsafe.Add(ref x.Values, 256 * b);
                var x0 = Vector512.LoadUnsafe(ref xb);
                var x1 = Vector512.LoadUnsafe(ref xb, 64);
                var x2 = Vector512.LoadUnsafe(ref xb, 128);
                var x3 = Vector512.LoadUnsafe(ref xb, 192);
                float dx = Unsafe.Add(ref x.SuperScales, b);
                a0 = TBlock.Accumulate(ref Unsafe.Add(ref row, offset), x0, x1, x2, x3, in x, b, dx, a0);
                if (TRows.Count == 4)
                {
                    a1 = TBlock.Accumulate(ref Unsafe.Add(ref row, rowBytes + offset), x0, x1, x2, x3, in x, b, dx, a1);
                    a2 = TBlock.Accumulate(ref Unsafe.Add(ref row, 2 * rowBytes + offset), x0, x1, x2, x3, in x, b, dx, a2);
                    a3 = TBlock.Accumulate(ref Unsafe.Add(ref row, 3 * rowBytes + offset), x0, x1, x2, x3, in x, b, dx, a3);
                }
            }

            Store<TRows>(ref y, accumulate, a0, a1, a2, a3);
        }
    }

    private readonly struct Q4_KWide : IRowKernel
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount => KKernel<ScaledMinima<Q4_KParts>>.Tile<TRows>(in x, ref row, rowBytes, blocks, ref y, accumulate);
    }

    private readonly struct Q5_KWide : IRowKernel
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount => KKernel<ScaledMinima<Q5_KParts>>.Tile<TRows>(in x, ref row, rowBytes, blocks, ref y, accumulate);
    }

    private readonly struct Q6_KWide : IRowKernel
    {
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate)
            where TRows : struct, IRowCount => KKernel<Q6_KBlock>.Tile<TRows>(in x, ref row, rowBytes, blocks, ref y, accumulate);
    }

    /// <summary>The 64 unsigned integers of part p of a Q4_K or Q5_K super-block, in value order.</summary>
    private interface IKParts
    {
        static abstract int BlockBytes { get; }

        static abstract Vector512<byte> Part(ref byte block, int part);
    }

    /// <summary>Q4_K: 32 bytes per part, low nibbles sub-block 2p, high nibbles 2p+1.</summary>
    private readonly struct Q4_KParts : IKParts
    {
        public static int BlockBytes => 144;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Part(ref byte block, int part)
        {
            var qs = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 32 * part));
            return Vector512.Create(qs & Vector256.Create((byte)0x0F), Vector256.ShiftRightLogical(qs, 4));
        }
    }

    /// <summary>Q5_K: as Q4_K, bit 2p (low nibbles) or 2p+1 (high nibbles) of qh[l] adding 16.</summary>
    private readonly struct Q5_KParts : IKParts
    {
        public static int BlockBytes => 176;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Part(ref byte block, int part)
        {
            var qs = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 48 + 32 * part));
            var qh = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 16));
            var one = Vector256<byte>.One;
            var low = (qs & Vector256.Create((byte)0x0F)) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * part) & one, 4);
            var high = Vector256.ShiftRightLogical(qs, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * part + 1) & one, 4);
            return Vector512.Create(low, high);
        }
    }

    /// <summary>
    /// Q4_K/Q5_K { half d, dmin; u8 scales[12]; ... }: per 32 values a 6-bit scale and minimum, value =
    /// d·scale·u − dmin·min. The 12 packed bytes unpack a word at a time (<see cref="KScales.Unpack8"/>);
    /// the minima meet the activations' Σ per 32 values in one <c>pmaddwd</c>.
    /// </summary>
    private readonly struct ScaledMinima<TParts> : ISuperBlock512
        where TParts : struct, IKParts
    {
        public static int BlockBytes => TParts.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Accumulate(ref byte block, Vector512<sbyte> x0, Vector512<sbyte> x1, Vector512<sbyte> x2, Vector512<sbyte> x3,
            in Buffers x, int superBlock, float dx, Vector512<float> acc)
        {
            float d = HalfScale.Read(ref block) * dx;
            float dmin = HalfScale.Read(ref Unsafe.Add(ref block, 2)) * dx;
            KScales.Unpack8(ref Unsafe.Add(ref block, 4), out ulong scales, out ulong minima);
            Vector128<short> scaleValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte());
            Vector128<short> minimumValues = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(minima).AsByte());
            var scaleWords = scaleValues.ToVector256Unsafe().ToVector512Unsafe();
            var minimumDot = Sse2.MultiplyAddAdjacent(minimumValues, Vector128.LoadUnsafe(ref Unsafe.Add(ref x.BlockSums, 8 * superBlock)));

            ref short indices = ref MemoryMarshal.GetReference(SubBlockIndices);
            Vector512<int> sum = Part(TParts.Part(ref block, 0), x0, scaleWords, Vector512.LoadUnsafe(ref indices));
            sum += Part(TParts.Part(ref block, 1), x1, scaleWords, Vector512.LoadUnsafe(ref indices, 32));
            sum += Part(TParts.Part(ref block, 2), x2, scaleWords, Vector512.LoadUnsafe(ref indices, 64));
            sum += Part(TParts.Part(ref block, 3), x3, scaleWords, Vector512.LoadUnsafe(ref indices, 96));
            acc = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(d), acc);
            Vector128<float> minimumFloats = Sse2.ConvertToVector128Single(minimumDot);
            return SimdPolicy.MultiplyAdd(minimumFloats.ToVector256().ToVector512(), Vector512.Create(-dmin), acc);
        }
    }

    /// <summary>
    /// Q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }: q = u − 32 with u the nibble of ql and two
    /// bits of qh; u enters the product, and 32·Σ_c scale_c·Σx_c (Σx per 16 values) is taken off once.
    /// </summary>
    private readonly struct Q6_KBlock : ISuperBlock512
    {
        public static int BlockBytes => 210;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Accumulate(ref byte block, Vector512<sbyte> x0, Vector512<sbyte> x1, Vector512<sbyte> x2, Vector512<sbyte> x3,
            in Buffers x, int superBlock, float dx, Vector512<float> acc)
        {
            float d = HalfScale.Read(ref Unsafe.Add(ref block, 208)) * dx;
            var scales = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 192)).AsSByte());
            var offset = Avx2.MultiplyAddAdjacent(scales, Vector256.LoadUnsafe(ref Unsafe.Add(ref x.ChunkSums, 16 * superBlock)));
            var scaleWords = scales.ToVector512Unsafe();

            ref short indices = ref MemoryMarshal.GetReference(ChunkIndices);
            var sum = Part(Unsigned(ref block, 0), x0, scaleWords, Vector512.LoadUnsafe(ref indices)) - Vector256.ShiftLeft(offset, 5).ToVector512();
            sum += Part(Unsigned(ref block, 1), x1, scaleWords, Vector512.LoadUnsafe(ref indices, 32));
            sum += Part(Unsigned(ref block, 2), x2, scaleWords, Vector512.LoadUnsafe(ref indices, 64));
            sum += Part(Unsigned(ref block, 3), x3, scaleWords, Vector512.LoadUnsafe(ref indices, 96));
            return SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(d), acc);
        }

        /// <summary>
        /// Part p's u: half p/2 of 128 values; even parts the low nibbles of its 64 ql bytes, odd parts the
        /// high ones; the 32 qh bytes of the half give chunks 0, 1 bits at the nibble's shift and chunks 2, 3 two above.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Unsigned(ref byte block, int part)
        {
            int half = part >> 1, shift = 4 * (part & 1);
            var ql = Vector512.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half));
            var qh = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 128 + 32 * half));
            var high = Vector512.Create(Vector256.ShiftRightLogical(qh, shift), Vector256.ShiftRightLogical(qh, shift + 2)) & Vector512.Create((byte)3);
            return (Vector512.ShiftRightLogical(ql, shift) & Vector512.Create((byte)0x0F)) | Vector512.ShiftLeft(high, 4);
        }
    }

    /// <summary>Σ over 64 values of u·x, times each 16 values' scale: int32 lanes (vpmaddubsw, vpermw, vpmaddwd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Part(Vector512<byte> u, Vector512<sbyte> x, Vector512<short> scaleWords, Vector512<short> indices) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), Avx512BW.PermuteVar32x16(scaleWords, indices));
}
