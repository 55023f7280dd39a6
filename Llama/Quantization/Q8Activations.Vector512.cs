using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Checkpoints;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// The Vector512 integer kernels (AVX-512 BW): two rows per zmm register, each 256-bit half computing
/// one row exactly as the Vector256 kernels do, four rows per pass over each block of activations
/// (Q4_0's kernels, a block per 128-bit lane, are in Q8Activations.Q4_0.cs).
/// </summary>
/// <remarks>
/// <para>Why two rows per register rather than 64 values of one row: every lane then goes through the
/// same integer sums and the same float operations, in the same order, as on the Vector256 path (and,
/// for Q8_0, as in llama.cpp's AVX2 kernel), so the two widths give the same bits. That matters more
/// than it seems: the next product rounds its activations to 8 bits, a discontinuous step, and a
/// last-bit difference in one output can flip a rounded activation and move a logit by 1%. The
/// instruction count per weight is the same either way: 64 bytes of weights per vpmaddubsw.</para>
/// <para>.NET 10 exposes no 512-bit VNNI (<c>vpdpbusd</c> on zmm) on AVX-512 machines such as Zen 4
/// (<c>AvxVnni</c> is the VEX form, <c>Avx10v1</c> is absent there), so the products are AVX-512 BW's
/// <c>vpmaddubsw</c> and <c>vpmaddwd</c>, whose int32 results equal VNNI's.</para>
/// <para>The activations of a block (32 bytes; each 32 of a K super-block) are broadcast to both halves
/// by one load, shared by the tile's two row pairs. Register budget of a 4-row tile: 2 float
/// accumulators, the shared activations, one int32 sum per pair and about 8 temporaries: under 20 of
/// the 32 zmm. A last odd row runs the Vector256 tile, which computes it identically. Under valgrind
/// (no AVX-512 emulation) only the Vector256 path can be counted.</para>
/// </remarks>
public sealed partial class Q8Activations
{
    /// <summary>The Vector512 path of <see cref="Multiply(QuantizedMatrix, Span{float}, int, bool, int)"/>.</summary>
    private void Multiply512(GgufTensorType type, ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
    {
        switch (type)
        {
            case GgufTensorType.Q8_0: Rows<BlockKernel512<Q8_0Pair>, BlockKernel256<Q8_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_0: Rows<Q4_0Tile512>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q5_0: Rows<BlockKernel512<Q5_0Pair>, BlockKernel256<Q5_0Bytes>>(ref rows, rowBytes, blocks, y, accumulate); break;
            case GgufTensorType.Q4_K: Rows<KKernel512<ScaledMinima512<Q4_KParts256>>, KKernel256<ScaledMinima256<Q4_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            case GgufTensorType.Q5_K: Rows<KKernel512<ScaledMinima512<Q5_KParts256>>, KKernel256<ScaledMinima256<Q5_KParts256>>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
            default: Rows<KKernel512<Q6_KBlock512>, KKernel256<Q6_KBlock256>>(ref rows, rowBytes, blocks / 8, y, accumulate); break;
        }
    }

    /// <summary>Tiles of four rows, then the rows left over one at a time, by the same tile code.</summary>
    private void Rows<TKernel>(ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
        where TKernel : struct, IRowKernel
    {
        var buffers = new Buffers(this);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int r = 0;
        for (; r <= y.Length - 4; r += 4)
        {
            ref byte tile = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            TKernel.Tile<FourRows>(in buffers, ref tile, rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate, ref Ahead(ref tile, rowBytes, r, y.Length));
        }

        for (; r < y.Length; r++)
        {
            ref byte one = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            TKernel.Tile<OneRow>(in buffers, ref one, rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate, ref one);
        }
    }

    /// <summary>Tiles of four rows and a last pair on the wide kernel; a last odd row on the narrow one, which computes it identically.</summary>
    private void Rows<TWide, TNarrow>(ref byte rows, int rowBytes, int blocks, Span<float> y, bool accumulate)
        where TWide : struct, IRowKernel
        where TNarrow : struct, IRowKernel
    {
        var buffers = new Buffers(this);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int r = 0;
        for (; r <= y.Length - 4; r += 4)
        {
            ref byte tile = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            TWide.Tile<FourRows>(in buffers, ref tile, rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate, ref Ahead(ref tile, rowBytes, r, y.Length));
        }

        if (r <= y.Length - 2)
        {
            ref byte pair = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            TWide.Tile<TwoRows>(in buffers, ref pair, rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate, ref pair);
            r += 2;
        }

        if (r < y.Length)
        {
            ref byte one = ref Unsafe.Add(ref rows, (nint)r * rowBytes);
            TNarrow.Tile<OneRow>(in buffers, ref one, rowBytes, blocks, ref Unsafe.Add(ref ys, r), accumulate, ref one);
        }
    }

    /// <summary>The next four-row tile after the one at row <paramref name="r"/> of <paramref name="rows"/>, or that tile itself when it is the last: never past the rows being computed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte Ahead(ref byte tile, int rowBytes, int r, int rows) =>
        ref r + 8 <= rows ? ref Unsafe.Add(ref tile, 4 * (nint)rowBytes) : ref tile;

    /// <summary>
    /// Prefetches into L1 the part of the next tile's bytes (<paramref name="ahead"/>, four contiguous rows)
    /// that matches how far this tile has come: a four-row tile reads four short streams (one row is a
    /// kilobyte or two), too short for the hardware prefetchers to follow from memory, so each step
    /// asks for the next tile's bytes, one tile (a few microseconds) ahead of need. On the 2-core Zen 3 this
    /// took Q4_0 and Q8_0 matrices read from memory from 7.6 and 12.6 to 17.9 and 26.2 GB/s.
    /// </summary>
    /// <param name="ahead">The next tile's first byte.</param>
    /// <param name="offset">Bytes of each row this tile has read so far.</param>
    /// <param name="blockBytes">Bytes of one block of one row: the step advances four of them.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchAhead(ref byte ahead, nint offset, int blockBytes) =>
        PrefetchAhead((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref ahead, 4 * offset)), blockBytes);

    /// <summary>As <see cref="PrefetchAhead(ref byte, nint, int)"/> from <paramref name="next"/>, the next tile's byte as far along as this tile's rows are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchAhead(byte* next, int blockBytes)
    {
        // The matrix lives in a pinned array (QuantizedMatrix), so the address is the one read next;
        // a prefetch is only a hint and never faults, whatever the address. Written out, each line
        // behind a condition on the block size, a constant in every caller: the JIT keeps a loop
        // with constant bounds a loop, which cost Q6_K 14 iterations of 6 instructions per step.
        int bytes = 4 * blockBytes;
        Sse.Prefetch0(next);
        if (bytes > 64) Sse.Prefetch0(next + 64);
        if (bytes > 128) Sse.Prefetch0(next + 128);
        if (bytes > 192) Sse.Prefetch0(next + 192);
        if (bytes > 256) Sse.Prefetch0(next + 256);
        if (bytes > 320) Sse.Prefetch0(next + 320);
        if (bytes > 384) Sse.Prefetch0(next + 384);
        if (bytes > 448) Sse.Prefetch0(next + 448);
        if (bytes > 512) Sse.Prefetch0(next + 512);
        if (bytes > 576) Sse.Prefetch0(next + 576);
        if (bytes > 640) Sse.Prefetch0(next + 640);
        if (bytes > 704) Sse.Prefetch0(next + 704);
        if (bytes > 768) Sse.Prefetch0(next + 768);
        if (bytes > 832) Sse.Prefetch0(next + 832);
        Debug.Assert(bytes <= 896, "a block of at most 224 bytes");
    }

    /// <summary>Writes (or adds) the sums of a tile's row pairs (rows 0, 1 in <paramref name="a01"/>, 2, 3 in <paramref name="a23"/>), less each row's scalar term.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(ref float y, bool accumulate, Vector512<float> a01, Vector512<float> a23, float o0, float o1, float o2, float o3)
        where TRows : struct, IRowCount
    {
        Put(ref y, Sum(a01.GetLower()) - o0, accumulate);
        Put(ref Unsafe.Add(ref y, 1), Sum(a01.GetUpper()) - o1, accumulate);
        if (TRows.Count == 4)
        {
            Put(ref Unsafe.Add(ref y, 2), Sum(a23.GetLower()) - o2, accumulate);
            Put(ref Unsafe.Add(ref y, 3), Sum(a23.GetUpper()) - o3, accumulate);
        }
    }

    // Two 256-bit halves, one per row: one vinserti64x4 (Vector512.Create of two halves went through the stack).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Halves(Vector256<byte> first, Vector256<byte> second) => Avx512F.InsertVector256(first.ToVector512Unsafe(), second, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> Halves(Vector256<sbyte> first, Vector256<sbyte> second) => Avx512F.InsertVector256(first.ToVector512Unsafe(), second, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(Vector256<float> first, Vector256<float> second) => Avx512F.InsertVector256(first.ToVector512Unsafe(), second, 1);

    /// <summary>Each half's 128-bit lanes: scale <paramref name="low"/> in the low lane, <paramref name="high"/> in the high lane (one vpshufb per 128-bit lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Spread(Vector512<short> scales, int low, int high)
    {
        ulong a = (ulong)(2 * low | (2 * low + 1) << 8) * 0x0001_0001_0001_0001UL, b = (ulong)(2 * high | (2 * high + 1) << 8) * 0x0001_0001_0001_0001UL;
        return Avx512BW.Shuffle(scales.AsByte(), Vector512.Create(a, a, b, b, a, a, b, b).AsByte()).AsInt16();
    }

    /// <summary>|w| against x carrying w's sign (AVX-512 has no vpsignb; where w is 0, |w| is 0 and the product too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> SignedProduct(Vector512<sbyte> w, Vector512<sbyte> x) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -x, x));

    /// <summary>The rounded activations as the kernels read them (references into this instance's arrays).</summary>
    private readonly ref struct Buffers
    {
        public readonly ref sbyte Values;
        public readonly ref float Scales;
        public readonly ref int Sums;
        public readonly ref float SuperScales;
        public readonly ref short BlockSums;
        public readonly ref short PairOffsets;
        public readonly ref sbyte Grouped;
        public readonly ref sbyte Doubled;
        public readonly ref int NibbleOffsets;
        public readonly ref float GroupScales;

        public Buffers(Q8Activations q)
        {
            Values = ref MemoryMarshal.GetArrayDataReference(q._values);
            Scales = ref MemoryMarshal.GetArrayDataReference(q._scales);
            Sums = ref MemoryMarshal.GetArrayDataReference(q._sums);
            SuperScales = ref MemoryMarshal.GetArrayDataReference(q._superScales);
            BlockSums = ref MemoryMarshal.GetArrayDataReference(q._blockSums);
            PairOffsets = ref MemoryMarshal.GetArrayDataReference(q._pairOffsets);
            Grouped = ref MemoryMarshal.GetArrayDataReference(q._grouped);
            Doubled = ref MemoryMarshal.GetArrayDataReference(q._doubled);
            NibbleOffsets = ref MemoryMarshal.GetArrayDataReference(q._nibbleOffsets);
            GroupScales = ref MemoryMarshal.GetArrayDataReference(q._groupScales);
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

    private readonly struct TwoRows : IRowCount
    {
        public static int Count => 2;
    }

    private readonly struct FourRows : IRowCount
    {
        public static int Count => 4;
    }

    /// <summary>One block family's tile on one width: 1, 2 or 4 rows over the whole row length.</summary>
    private interface IRowKernel
    {
        /// <param name="x">The rounded activations.</param>
        /// <param name="row">The tile's first row.</param>
        /// <param name="rowBytes">Bytes per row.</param>
        /// <param name="blocks">Blocks (32 values) or super-blocks (256) per row, as the kernel counts them.</param>
        /// <param name="y">The tile's first output.</param>
        /// <param name="accumulate">Add to y instead of overwriting it.</param>
        /// <param name="ahead">Where the next four-row tile starts (this tile's own rows when none follows): a four-row tile prefetches it as it goes.</param>
        static abstract void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount;
    }

    /// <summary>A 32-value block type on the Vector512 path: two rows' Σ u·x (or the sign trick's) in int32 lanes.</summary>
    private interface IBlockPair
    {
        static abstract int BlockBytes { get; }

        /// <summary>q = u − Offset; 0 for signed Q8_0.</summary>
        static abstract int Offset { get; }

        /// <summary>Eight int32 lanes per row (4 bytes each, as <see cref="IIntegerBlock.Dot"/>), rows <paramref name="first"/> and <paramref name="second"/> in the halves.</summary>
        static abstract Vector512<int> Dot(ref byte first, ref byte second, Vector512<sbyte> x);
    }

    private readonly struct BlockKernel512<TBlock> : IRowKernel
        where TBlock : struct, IBlockPair
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

            // A two-row tile (the 512-bit path's one-row tiles run the Vector256 kernel).
            Vector512<float> a01 = default;
            float o0 = 0, o1 = 0;
            ref byte row1 = ref Unsafe.Add(ref row, rowBytes);
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                var x256 = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * b));
                float dx = Unsafe.Add(ref x.Scales, b);
                int sum = TBlock.Offset * Unsafe.Add(ref x.Sums, b);
                a01 = Pair(ref Unsafe.Add(ref row, offset), ref Unsafe.Add(ref row1, offset), Halves(x256, x256), dx, sum, a01, ref o0, ref o1);
            }

            Store<TRows>(ref y, accumulate, a01, default, o0, o1, 0, 0);
        }

        /// <summary>
        /// Four rows, four blocks per step: the step's 16 float16 scales gathered and widened together
        /// (<see cref="HalfScale.Widen(Vector512{uint})"/>, the bits <see cref="HalfScale.Read4"/> gives) and
        /// multiplied by d_x, each block then taking its rows' scales from that vector; blocks past the last
        /// whole step one at a time. The offset terms are kept in one vector. Each lane's float operations are
        /// those of <see cref="Pair"/> (the scale's product with d_x, then with o·Σx, then the add), so a
        /// row's bits do not depend on its tile; for Q8_0 they are llama.cpp's AVX2 kernel's. Widening a
        /// block's four scales at a time had cost 16 of the ~60 instructions per block.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void FourRowTile(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
        {
            Vector512<float> a01 = default, a23 = default;
            Vector128<float> offsets = default;
            ref byte row1 = ref Unsafe.Add(ref row, rowBytes);
            ref byte row2 = ref Unsafe.Add(ref row1, rowBytes);
            ref byte row3 = ref Unsafe.Add(ref row2, rowBytes);
            byte* next = (byte*)Unsafe.AsPointer(ref ahead);   // the matrix is pinned
            ref float activationScales = ref x.Scales;
            ref float groupScales = ref x.GroupScales;
            // Gather offsets: element 4j + r is row r's scale in block j (blocks 0–1; the second gather starts two blocks on).
            var index = ScaleIndex(rowBytes, rowBytes, TBlock.BlockBytes);
            int b = 0;
            nint offset = 0;
            for (; b <= blocks - 4; b += 4, offset += 4 * TBlock.BlockBytes)
            {
                PrefetchAhead(next + 4 * offset, 4 * TBlock.BlockBytes);
                var scales = StepScales((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref row, offset)), index, TBlock.BlockBytes, ref Unsafe.Add(ref groupScales, 4 * b));
                Step(in x, ref row, ref row1, ref row2, ref row3, offset, b, scales, 0, ref a01, ref a23, ref offsets);
                Step(in x, ref row, ref row1, ref row2, ref row3, offset, b, scales, 1, ref a01, ref a23, ref offsets);
                Step(in x, ref row, ref row1, ref row2, ref row3, offset, b, scales, 2, ref a01, ref a23, ref offsets);
                Step(in x, ref row, ref row1, ref row2, ref row3, offset, b, scales, 3, ref a01, ref a23, ref offsets);
            }

            for (; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                PrefetchAhead(next + 4 * offset, TBlock.BlockBytes);
                var four = HalfScale.Read4(ref Unsafe.Add(ref row, offset), ref Unsafe.Add(ref row1, offset), ref Unsafe.Add(ref row2, offset), ref Unsafe.Add(ref row3, offset))
                    * Vector128.Create(Unsafe.Add(ref activationScales, b));
                Step(in x, ref row, ref row1, ref row2, ref row3, offset, b, four.ToVector256Unsafe().ToVector512Unsafe(), 0, ref a01, ref a23, ref offsets);
            }

            Store<FourRows>(ref y, accumulate, a01, a23, offsets.GetElement(0), offsets.GetElement(1), offsets.GetElement(2), offsets.GetElement(3));

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static void Step(in Buffers x, ref byte row, ref byte row1, ref byte row2, ref byte row3, nint offset, int b, Vector512<float> scales, int j,
                ref Vector512<float> a01, ref Vector512<float> a23, ref Vector128<float> offsets)
            {
                // Block b + j; its four rows' scales are lanes 4j..4j+3 of scales.
                nint at = offset + j * TBlock.BlockBytes;
                if (TBlock.Offset != 0)
                {
                    var four = j switch
                    {
                        0 => scales.GetLower().GetLower(),
                        1 => scales.GetLower().GetUpper(),
                        2 => scales.GetUpper().GetLower(),
                        _ => scales.GetUpper().GetUpper(),
                    };
                    offsets += four * Vector128.Create((float)(TBlock.Offset * Unsafe.Add(ref x.Sums, b + j)));
                }

                // The block's 32 activations in both halves (not a pointer vbroadcasti64x4: see Both).
                var x256 = Vector256.LoadUnsafe(ref x.Values, (nuint)(32 * (b + j)));
                var xs = Halves(x256, x256);
                var block = Vector512.Create(4 * j);
                a01 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(TBlock.Dot(ref Unsafe.Add(ref row, at), ref Unsafe.Add(ref row1, at), xs)), Avx512F.PermuteVar16x32(scales, FirstPair + block), a01);
                a23 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(TBlock.Dot(ref Unsafe.Add(ref row2, at), ref Unsafe.Add(ref row3, at), xs)), Avx512F.PermuteVar16x32(scales, SecondPair + block), a23);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Pair(ref byte first, ref byte second, Vector512<sbyte> x, float dx, int offsetSum, Vector512<float> acc, ref float offsets0, ref float offsets1)
        {
            float s0 = HalfScale.Read(ref first) * dx, s1 = HalfScale.Read(ref second) * dx;
            if (TBlock.Offset != 0)
            {
                offsets0 += s0 * offsetSum;
                offsets1 += s1 * offsetSum;
            }

            var scale = Halves(Vector256.Create(s0), Vector256.Create(s1));
            return SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(TBlock.Dot(ref first, ref second, x)), scale, acc);
        }
    }

    /// <summary>Q8_0: the sign trick, as <see cref="Q8_0Bytes"/>.</summary>
    private readonly struct Q8_0Pair : IBlockPair
    {
        public static int BlockBytes => 34;

        public static int Offset => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Dot(ref byte first, ref byte second, Vector512<sbyte> x)
        {
            var w = Halves(Vector256.LoadUnsafe(ref Unsafe.Add(ref first, 2)), Vector256.LoadUnsafe(ref Unsafe.Add(ref second, 2))).AsSByte();
            return Avx512BW.MultiplyAddAdjacent(SignedProduct(w, x), Vector512<short>.One);
        }
    }

    /// <summary>Q5_0: nibbles with their fifth bit, as <see cref="Q5_0Bytes"/>.</summary>
    private readonly struct Q5_0Pair : IBlockPair
    {
        public static int BlockBytes => 22;

        public static int Offset => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Dot(ref byte first, ref byte second, Vector512<sbyte> x)
        {
            var u = Halves(Q5_0Bytes.Unsigned(ref first), Q5_0Bytes.Unsigned(ref second));
            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), Vector512<short>.One);
        }
    }

    /// <summary>A K super-block type on the Vector512 path: a tile's four rows, two per register, each half as its Vector256 kernel.</summary>
    private interface ISuperBlockTile
    {
        static abstract int BlockBytes { get; }

        /// <summary>
        /// Adds super-block <paramref name="superBlock"/> of rows <paramref name="b0"/>..<paramref name="b3"/>
        /// (a two-row tile passes row 1 again as rows 2 and 3 and leaves <paramref name="a23"/> alone): each
        /// pair's Σ scale·q·x̃ times its rows' d_w·d_x in <paramref name="a01"/> and <paramref name="a23"/>, and
        /// the rows' terms outside the lanes (the K minima, none for Q6_K) in <paramref name="minima"/>.
        /// </summary>
        static abstract void Accumulate<TRows>(ref byte b0, ref byte b1, ref byte b2, ref byte b3, in Buffers x, int superBlock,
            ref Vector512<float> a01, ref Vector512<float> a23, ref Vector128<float> minima)
            where TRows : struct, IRowCount;
    }

    /// <summary>
    /// Values 32i .. 32i+31 of a super-block's activations in both halves: one load from the doubled copy
    /// (<see cref="Buffers.Doubled"/>, from the super-block's start), which folds into the instruction that
    /// uses it. A load and an insert per slice had cost 4 instructions with the JIT's register copies, 32
    /// per super-block and row pair. Not <c>Avx512F.BroadcastVector256ToVector512(pointer)</c> either: the
    /// .NET 10.0.12 JIT encodes that vbroadcasti64x4 with a compressed displacement scaled for 16 bytes
    /// where the instruction scales by 32, so every slice after the first came from the wrong place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> Both(ref sbyte doubled, int i) => Vector512.LoadUnsafe(ref doubled, (nuint)(64 * i));

    /// <summary>The K types' tiles on 512 bits: the loop over super-blocks, each added by <typeparamref name="TBlock"/>.</summary>
    private readonly struct KKernel512<TBlock> : IRowKernel
        where TBlock : struct, ISuperBlockTile
    {
        [MethodImpl(MethodImplOptions.NoInlining)]   // compiled on its own: inlined into the projection, its helpers (Spread) outran the JIT's inlining budget
        public static void Tile<TRows>(in Buffers x, ref byte row, int rowBytes, int blocks, ref float y, bool accumulate, ref byte ahead)
            where TRows : struct, IRowCount
        {
            Vector512<float> a01 = default, a23 = default;
            Vector128<float> minima = default;
            // The tile's rows, computed once (a two-row tile points rows 2 and 3 at row 1, never past it).
            ref byte row1 = ref Unsafe.Add(ref row, rowBytes);
            int step = TRows.Count == 4 ? rowBytes : 0;
            ref byte row2 = ref Unsafe.Add(ref row1, step);
            ref byte row3 = ref Unsafe.Add(ref row2, step);
            nint offset = 0;
            for (int b = 0; b < blocks; b++, offset += TBlock.BlockBytes)
            {
                if (TRows.Count == 4)
                {
                    PrefetchAhead(ref ahead, offset, TBlock.BlockBytes);
                }

                TBlock.Accumulate<TRows>(ref Unsafe.Add(ref row, offset), ref Unsafe.Add(ref row1, offset), ref Unsafe.Add(ref row2, offset), ref Unsafe.Add(ref row3, offset),
                    in x, b, ref a01, ref a23, ref minima);
            }

            Store<TRows>(ref y, accumulate, a01, a23, minima.GetElement(0), minima.GetElement(1), minima.GetElement(2), minima.GetElement(3));
        }
    }

    /// <summary>Lanes of a tile's four row values that go to each pair's halves: rows 0 | 1.</summary>
    private static Vector512<int> FirstPair => Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);

    /// <summary>As <see cref="FirstPair"/>: rows 2 | 3.</summary>
    private static Vector512<int> SecondPair => Vector512.Create(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);

    /// <summary>
    /// Q4_K/Q5_K on 512 bits: tiles of four rows (or two, the last two rows reading row 1 again), each row
    /// pair's parts as <see cref="ScaledMinima256{TParts}"/> computes one row, in the two halves. The four
    /// rows' packed 6-bit scales and minima are unpacked together, one 128-bit lane per row, and their
    /// minima sums Σ_j m_j·Σx_j taken in the same vector: where each row had unpacked its 12 bytes in scalar
    /// code (about 45 instructions per row per super-block, more than its products), a tile now spends
    /// about 25 on all four. Every integer is the one the row-at-a-time unpacking gave, and every float
    /// operation is the same, in the same order, as the Vector256 kernel's.
    /// </summary>
    private readonly struct ScaledMinima512<TParts> : ISuperBlockTile
        where TParts : struct, IKParts256
    {
        public static int BlockBytes => TParts.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Accumulate<TRows>(ref byte b0, ref byte b1, ref byte b2, ref byte b3, in Buffers x, int superBlock,
            ref Vector512<float> a01, ref Vector512<float> a23, ref Vector128<float> minima)
            where TRows : struct, IRowCount
        {
            ref sbyte xs = ref Unsafe.Add(ref x.Doubled, 512 * superBlock);
            var dx = Vector128.Create(Unsafe.Add(ref x.SuperScales, superBlock));

            // Each row's first 16 bytes (d, dmin, the 12 packed scale bytes) in its lane, loaded once for all of them.
            var heads = Vector128.LoadUnsafe(ref b0).AsUInt32().ToVector256Unsafe().ToVector512Unsafe();
            heads = Avx512F.InsertVector128(heads, Vector128.LoadUnsafe(ref b1).AsUInt32(), 1);
            heads = Avx512F.InsertVector128(heads, Vector128.LoadUnsafe(ref b2).AsUInt32(), 2);
            heads = Avx512F.InsertVector128(heads, Vector128.LoadUnsafe(ref b3).AsUInt32(), 3);

            // The four d and four dmin widened in one vector (d0, dmin0, d1, …), times d_x, then split:
            // each lane the bits of HalfScale.Read · d_x, as the Vector256 kernel computes them.
            var halves = Avx2.ConvertToVector256Int32(Avx512F.PermuteVar16x32(heads, Vector512.Create(0u, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12)).GetLower().GetLower().AsUInt16());
            var widened = Avx2.PermuteVar8x32(HalfScale.Widen(halves.AsUInt32()) * Vector256.Create(dx, dx), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
            var d = widened.GetLower().ToVector256Unsafe().ToVector512Unsafe();
            var packed = ScalesAndMinima(heads);
            minima += widened.GetUpper() * Vector128.ConvertToSingle(MinimumSums(packed, ref Unsafe.Add(ref x.BlockSums, 8 * superBlock)));

            // Each row's eight scales as int16 (lane r row r), then each pair's rows in its halves.
            var scales = Avx512BW.UnpackLow(packed, Vector512<byte>.Zero).AsInt32();
            var pair01 = Avx512F.Shuffle4x128(scales, scales, 0b01_01_00_00).AsInt16();
            a01 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(Parts(ref b0, ref b1, ref xs, pair01)), Avx512F.PermuteVar16x32(d, FirstPair), a01);
            if (TRows.Count == 4)
            {
                var pair23 = Avx512F.Shuffle4x128(scales, scales, 0b11_11_10_10).AsInt16();
                a23 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(Parts(ref b2, ref b3, ref xs, pair23)), Avx512F.PermuteVar16x32(d, SecondPair), a23);
            }
        }

        /// <summary>
        /// Lane r: row r's eight 6-bit scales (bytes 0–7) and eight minima (bytes 8–15), as
        /// <see cref="KScales.Unpack8"/> gives them: from the packed words u0, u1, u2 (words 1–3 of each lane
        /// of <paramref name="heads"/>, bytes 4–15 of the super-block), scales 0–3 = u0 &amp; 0x3F…, 4–7 =
        /// (u2 &amp; 0x0F…) | ((u0 &gt;&gt; 2) &amp; 0x30…), minima likewise from u1 and u2's high nibbles, all four
        /// rows by the same five instructions.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> ScalesAndMinima(Vector512<uint> heads)
        {
            var low = Avx512F.Shuffle(heads, 0b11_10_11_01);    // u0, u2, u1, u2
            var high = Avx512F.Shuffle(heads, 0b10_10_01_01);   // u0, u0, u1, u1
            var sixBits = Avx512F.ShiftRightLogicalVariable(low, Vector512.Create(0u, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4))
                & Vector512.Create(0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu,
                    0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu, 0x3F3F3F3Fu, 0x0F0F0F0Fu);
            var topBits = Vector512.ShiftRightLogical(high, 2)
                & Vector512.Create(0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u, 0u, 0x30303030u);
            return (sixBits | topBits).AsByte();
        }

        /// <summary>Each row's Σ_j m_j·Σx_j (exact int32), rows 0–3 in the lanes of the result.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> MinimumSums(Vector512<byte> packed, ref short blockSums)
        {
            var minima = Avx512BW.UnpackHigh(packed, Vector512<byte>.Zero).AsInt16();
            var products = Avx512BW.MultiplyAddAdjacent(minima, Vector512.Create(Vector128.LoadUnsafe(ref blockSums)));
            products += Avx512F.Shuffle(products, 0b01_00_11_10);
            products += Avx512F.Shuffle(products, 0b10_11_00_01);
            return Avx512F.PermuteVar16x32(products, Vector512.Create(0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12)).GetLower().GetLower();
        }

        /// <summary>Two rows' Σ_j scale_j·Σ q·x̃ over the super-block's four parts, in the halves (<paramref name="scales"/>: each half its row's eight scales in both 128-bit lanes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Parts(ref byte first, ref byte second, ref sbyte x, Vector512<short> scales) =>
            // The four parts written out (not a loop), so each part's offsets, shifts and shuffle controls are constants.
            Part(ref first, ref second, ref x, scales, 0) + Part(ref first, ref second, ref x, scales, 1)
            + Part(ref first, ref second, ref x, scales, 2) + Part(ref first, ref second, ref x, scales, 3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Part(ref byte first, ref byte second, ref sbyte x, Vector512<short> scales, int part)
        {
            Vector512<byte> low, high;
            if (typeof(TParts) == typeof(Q4_KParts256))
            {
                // Both rows' 32 quant bytes in one register; low nibbles are the part's values 0–31, high ones 32–63.
                var quants = Halves(Vector256.LoadUnsafe(ref Unsafe.Add(ref first, 16 + 32 * part)), Vector256.LoadUnsafe(ref Unsafe.Add(ref second, 16 + 32 * part)));
                var nibble = Vector512.Create((byte)0x0F);
                low = quants & nibble;
                high = Vector512.ShiftRightLogical(quants.AsUInt16(), 4).AsByte() & nibble;
            }
            else
            {
                low = Halves(TParts.Low(ref first, part), TParts.Low(ref second, part));
                high = Halves(TParts.High(ref first, part), TParts.High(ref second, part));
            }

            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(low, Both(ref x, 2 * part)), Spread(scales, 2 * part, 2 * part))
                + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(high, Both(ref x, 2 * part + 1)), Spread(scales, 2 * part + 1, 2 * part + 1));
        }
    }

    /// <summary>
    /// Q6_K on 512 bits, a row per vector: a half super-block's 64 ql bytes give its 128 values in two
    /// zmm (low nibbles, high nibbles), its 32 qh bytes their high bits. Each row's 16 int32 lanes fold to the
    /// 8 lanes <see cref="Q6_KBlock256"/> gives, a row per 256-bit half, so the float operations (and bits)
    /// are the Vector256 kernel's. Two rows per zmm (a 256-bit half each) had taken about 300 instructions per
    /// four-row super-block, its loads, inserts and shifts done per 32 values.
    /// </summary>
    private readonly struct Q6_KBlock512 : ISuperBlockTile
    {
        public static int BlockBytes => 210;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Accumulate<TRows>(ref byte b0, ref byte b1, ref byte b2, ref byte b3, in Buffers x, int superBlock,
            ref Vector512<float> a01, ref Vector512<float> a23, ref Vector128<float> minima)
            where TRows : struct, IRowCount
        {
            // The four rows' d widened together, each lane's bits those of HalfScale.Read · d_x.
            var d = (HalfScale.Read4(ref Unsafe.Add(ref b0, 208), ref Unsafe.Add(ref b1, 208), ref Unsafe.Add(ref b2, 208), ref Unsafe.Add(ref b3, 208))
                * Vector128.Create(Unsafe.Add(ref x.SuperScales, superBlock))).ToVector256Unsafe().ToVector512Unsafe();
            ref sbyte xs = ref Unsafe.Add(ref x.Values, 256 * superBlock);
            ref short offsets = ref Unsafe.Add(ref x.PairOffsets, 128 * superBlock);
            var sum01 = Fold(Row(ref b0, ref xs, ref offsets), Row(ref b1, ref xs, ref offsets));
            a01 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(sum01), Avx512F.PermuteVar16x32(d, FirstPair), a01);
            if (TRows.Count == 4)
            {
                var sum23 = Fold(Row(ref b2, ref xs, ref offsets), Row(ref b3, ref xs, ref offsets));
                a23 = SimdPolicy.MultiplyAdd(Avx512F.ConvertToVector512Single(sum23), Avx512F.PermuteVar16x32(d, SecondPair), a23);
            }
        }

        /// <summary>
        /// One row's Σ scale·q·x over the super-block in 16 int32 lanes: lane k holds values 4k..4k+3 of
        /// each 64-value group, so lanes k and k + 8 are lane k of <see cref="Q6_KBlock256"/>'s 32-value parts.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Row(ref byte row, ref sbyte x, ref short offsets)
        {
            // The row's 16 int8 scales as int16 (lanes 0–15, for vpermw); its 64 qh bytes, each half's 32 in both 256-bit halves.
            var scales = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref row, 192)).AsSByte()).ToVector512Unsafe();
            var qh = Vector512.LoadUnsafe(ref Unsafe.Add(ref row, 128));
            return Half(ref row, ref x, ref offsets, scales, Avx512F.Shuffle4x128(qh.AsUInt64(), qh.AsUInt64(), 0b01_00_01_00).AsByte(), 0)
                + Half(ref row, ref x, ref offsets, scales, Avx512F.Shuffle4x128(qh.AsUInt64(), qh.AsUInt64(), 0b11_10_11_10).AsByte(), 1);
        }

        /// <summary>
        /// Values 128h .. 128h+127 of a row: a zmm of ql gives values 0–63 of the half in its low nibbles and
        /// 64–127 in its high ones, each byte's two high bits coming from qh (bits 0–1, 2–3 for the low zmm's
        /// 256-bit halves, 4–5, 6–7 for the high one's, moved to bits 4–5 by one shift per 16-bit lane).
        /// Then the unsigned u against x, less 32·(x_2i + x_2i+1) per pair, times each 16 values' scale:
        /// exact integers, the ones <see cref="Q6_KBlock256"/> forms (|u·x pair| ≤ 16002, offsets ≤ 8128).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Half(ref byte row, ref sbyte x, ref short offsets, Vector512<short> scales, Vector512<byte> qh, int half)
        {
            var ql = Vector512.LoadUnsafe(ref Unsafe.Add(ref row, 64 * half));
            var nibble = Vector512.Create((byte)0x0F);
            var twoBits = Vector512.Create((byte)0x30);
            var low = (ql & nibble) | (Avx512BW.ShiftLeftLogicalVariable(qh.AsUInt16(), LowBitShifts).AsByte() & twoBits);
            var high = (Vector512.ShiftRightLogical(ql.AsUInt16(), 4).AsByte() & nibble) | (Avx512BW.ShiftRightLogicalVariable(qh.AsUInt16(), HighBitShifts).AsByte() & twoBits);
            var pLow = Avx512BW.MultiplyAddAdjacent(low, Vector512.LoadUnsafe(ref x, (nuint)(128 * half))) - Vector512.LoadUnsafe(ref offsets, (nuint)(64 * half));
            var pHigh = Avx512BW.MultiplyAddAdjacent(high, Vector512.LoadUnsafe(ref x, (nuint)(128 * half + 64))) - Vector512.LoadUnsafe(ref offsets, (nuint)(64 * half + 32));
            return Avx512BW.MultiplyAddAdjacent(pLow, Avx512BW.PermuteVar32x16(scales, ScaleLanes(8 * half)))
                + Avx512BW.MultiplyAddAdjacent(pHigh, Avx512BW.PermuteVar32x16(scales, ScaleLanes(8 * half + 4)));
        }

        /// <summary>Each row's 8 lanes: its lanes k and k + 8 added (exact), a row per 256-bit half.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Fold(Vector512<int> first, Vector512<int> second) =>
            Avx512F.Shuffle4x128(first, second, 0b01_00_01_00) + Avx512F.Shuffle4x128(first, second, 0b11_10_11_10);

        /// <summary>qh bits 0–1 (values 0–31 of a half) and 2–3 (32–63) to bits 4–5: 16-bit lanes 0–15 left by 4, 16–31 by 2.</summary>
        private static Vector512<ushort> LowBitShifts
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Vector512.Create(
                (ushort)4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2);
        }

        /// <summary>qh bits 4–5 (values 64–95) stay, 6–7 (96–127) right by 2.</summary>
        private static Vector512<ushort> HighBitShifts
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Vector512.Create(
                (ushort)0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2);
        }

        /// <summary>The scale of each pair of a 64-value group starting at scale <paramref name="first"/>: 16-bit lane i takes scale first + i/8.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<short> ScaleLanes(int first) => Vector512.Create(
            (short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3) + Vector512.Create((short)first);
    }
}
