using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Quantization;

/// <summary>A 32-value block type (Q4_0, Q5_0, Q8_0): one scale, 32 signed integer values.</summary>
internal interface IBlock32Decoder
{
    /// <summary>Bytes per block.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>The block's scale d (value = d·q).</summary>
    static abstract float Scale(ref byte block);

    /// <summary>The block's integers q, values 0–15 and 16–31.</summary>
    static abstract void Values(ref byte block, out Vector128<sbyte> low, out Vector128<sbyte> high);
}

/// <summary>
/// A 256-value K-quant super-block (Q4_K, Q5_K, Q6_K): four parts of 64 values, each four chunks of
/// 16 integers with a float scale per chunk, and for Q4_K/Q5_K a minimum per 32 values.
/// </summary>
internal interface ISuperBlockDecoder
{
    /// <summary>Bytes per super-block.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>
    /// Writes the 16 chunk scales (value = scale·q − min) and returns Σ min_j·Σx_j over the eight
    /// 32-value sub-blocks, given <paramref name="sums"/>, the eight Σx of this super-block's columns.
    /// </summary>
    static abstract float Prepare(ref byte block, ref float sums, ref float scales);

    /// <summary>The integers of part <paramref name="part"/> (values 64·part .. 64·part+63), 16 per chunk in order.</summary>
    static abstract void Part(ref byte block, int part, out Vector128<sbyte> c0, out Vector128<sbyte> c1, out Vector128<sbyte> c2, out Vector128<sbyte> c3);
}

/// <summary>Q8_0 { half d; i8 qs[32]; }: the integers are the bytes.</summary>
internal readonly struct Q8_0Decoder : IBlock32Decoder
{
    public static int BlockBytes => 34;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(ref byte block) => HalfScale.Read(ref block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Values(ref byte block, out Vector128<sbyte> low, out Vector128<sbyte> high)
    {
        low = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 2)).AsSByte();
        high = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 18)).AsSByte();
    }
}

/// <summary>Q4_0 { half d; u8 qs[16]; }: low nibbles are values 0–15, high nibbles 16–31, each minus 8.</summary>
internal readonly struct Q4_0Decoder : IBlock32Decoder
{
    public static int BlockBytes => 18;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(ref byte block) => HalfScale.Read(ref block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Values(ref byte block, out Vector128<sbyte> low, out Vector128<sbyte> high)
    {
        var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 2));
        var eight = Vector128.Create((byte)8);
        low = ((qs & Vector128.Create((byte)0x0F)) - eight).AsSByte();
        high = (Vector128.ShiftRightLogical(qs, 4) - eight).AsSByte();
    }
}

/// <summary>Q5_0 { half d; u8 qh[4]; u8 qs[16]; }: as Q4_0 with bit j of qh as the fifth bit of value j, minus 16.</summary>
internal readonly struct Q5_0Decoder : IBlock32Decoder
{
    public static int BlockBytes => 22;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(ref byte block) => HalfScale.Read(ref block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Values(ref byte block, out Vector128<sbyte> low, out Vector128<sbyte> high)
    {
        uint qh = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref block, 2));
        var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 6));
        var sixteen = Vector128.Create((byte)16);
        low = (((qs & Vector128.Create((byte)0x0F)) | FifthBits((ushort)qh)) - sixteen).AsSByte();
        high = ((Vector128.ShiftRightLogical(qs, 4) | FifthBits((ushort)(qh >> 16))) - sixteen).AsSByte();
    }

    /// <summary>Byte j = 16 when bit j of <paramref name="bits"/> is set, else 0: each byte picks its bit's byte, masks the bit, compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> FifthBits(ushort bits)
    {
        var spread = Vector128.Shuffle(Vector128.Create(bits).AsByte(), Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        var mask = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        return Vector128.Equals(spread & mask, mask) & Vector128.Create((byte)16);
    }
}

/// <summary>
/// Q4_K { half d, dmin; u8 scales[12]; u8 qs[128]; }: per 64 values, 32 bytes whose low nibbles are
/// sub-block 2i and high nibbles sub-block 2i+1; value = (d·scale)·q − dmin·min.
/// </summary>
internal readonly struct Q4_KDecoder : ISuperBlockDecoder
{
    public static int BlockBytes => 144;

    public static float Prepare(ref byte block, ref float sums, ref float scales) => KScales.Prepare(ref block, ref sums, ref scales);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Part(ref byte block, int part, out Vector128<sbyte> c0, out Vector128<sbyte> c1, out Vector128<sbyte> c2, out Vector128<sbyte> c3)
    {
        ref byte qs = ref Unsafe.Add(ref block, 16 + 32 * part);
        var q0 = Vector128.LoadUnsafe(ref qs);
        var q1 = Vector128.LoadUnsafe(ref qs, 16);
        var nibble = Vector128.Create((byte)0x0F);
        c0 = (q0 & nibble).AsSByte();
        c1 = (q1 & nibble).AsSByte();
        c2 = Vector128.ShiftRightLogical(q0, 4).AsSByte();
        c3 = Vector128.ShiftRightLogical(q1, 4).AsSByte();
    }
}

/// <summary>Q5_K { half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: as Q4_K, bit 2i or 2i+1 of qh[l] adding 16.</summary>
internal readonly struct Q5_KDecoder : ISuperBlockDecoder
{
    public static int BlockBytes => 176;

    public static float Prepare(ref byte block, ref float sums, ref float scales) => KScales.Prepare(ref block, ref sums, ref scales);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Part(ref byte block, int part, out Vector128<sbyte> c0, out Vector128<sbyte> c1, out Vector128<sbyte> c2, out Vector128<sbyte> c3)
    {
        ref byte qs = ref Unsafe.Add(ref block, 48 + 32 * part);
        var q0 = Vector128.LoadUnsafe(ref qs);
        var q1 = Vector128.LoadUnsafe(ref qs, 16);
        var h0 = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 16));
        var h1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 32));
        var nibble = Vector128.Create((byte)0x0F);
        var one = Vector128<byte>.One;
        int low = 2 * part, high = 2 * part + 1;
        c0 = ((q0 & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h0, low) & one, 4)).AsSByte();
        c1 = ((q1 & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h1, low) & one, 4)).AsSByte();
        c2 = (Vector128.ShiftRightLogical(q0, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h0, high) & one, 4)).AsSByte();
        c3 = (Vector128.ShiftRightLogical(q1, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h1, high) & one, 4)).AsSByte();
    }
}

/// <summary>
/// Q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }: per 128 values, four 32-value groups,
/// each a nibble of ql with two bits of qh above it, minus 32; value = (d·scale)·q per 16 values.
/// </summary>
internal readonly struct Q6_KDecoder : ISuperBlockDecoder
{
    public static int BlockBytes => 210;

    public static float Prepare(ref byte block, ref float sums, ref float scales)
    {
        float d = HalfScale.Read(ref Unsafe.Add(ref block, 208));
        for (int c = 0; c < 16; c++)
        {
            Unsafe.Add(ref scales, c) = d * (sbyte)Unsafe.Add(ref block, 192 + c);
        }

        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Part(ref byte block, int part, out Vector128<sbyte> c0, out Vector128<sbyte> c1, out Vector128<sbyte> c2, out Vector128<sbyte> c3)
    {
        // Part p: half p/2 of 128 values; even parts take the low nibbles of ql (groups 0 and 1,
        // qh bits 0–1 and 2–3), odd parts the high nibbles (groups 2 and 3, qh bits 4–5 and 6–7).
        int half = part >> 1, shift = 4 * (part & 1);
        ref byte ql = ref Unsafe.Add(ref block, 64 * half);
        var h0 = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 128 + 32 * half));
        var h1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 144 + 32 * half));
        var nibble = Vector128.Create((byte)0x0F);
        var three = Vector128.Create((byte)3);
        var offset = Vector128.Create((byte)32);
        c0 = (((Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref ql), shift) & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h0, shift) & three, 4)) - offset).AsSByte();
        c1 = (((Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref ql, 16), shift) & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h1, shift) & three, 4)) - offset).AsSByte();
        c2 = (((Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref ql, 32), shift) & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h0, shift + 2) & three, 4)) - offset).AsSByte();
        c3 = (((Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref ql, 48), shift) & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h1, shift + 2) & three, 4)) - offset).AsSByte();
    }
}

/// <summary>The scales and minima of Q4_K and Q5_K (both start { half d, dmin; u8 scales[12]; }).</summary>
internal static class KScales
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Prepare(ref byte block, ref float sums, ref float scales)
    {
        float d = HalfScale.Read(ref block);
        float dmin = HalfScale.Read(ref Unsafe.Add(ref block, 2));
        ref byte packed = ref Unsafe.Add(ref block, 4);
        float minimum = 0;
        for (int j = 0; j < 8; j++)
        {
            Unpack(ref packed, j, out int scale, out int min);
            float s = d * scale;
            Unsafe.Add(ref scales, 2 * j) = s;
            Unsafe.Add(ref scales, 2 * j + 1) = s;
            minimum += dmin * min * Unsafe.Add(ref sums, j);
        }

        return minimum;
    }

    /// <summary>
    /// All eight 6-bit scales and minima at once, byte j of each word sub-block j's: the low 6 bits of
    /// words 0 and 1 give sub-blocks 0–3, the nibbles of word 2 with two spare bits of words 0 and 1
    /// above them give 4–7 (<see cref="Unpack"/>, lane by lane).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack8(ref byte packed, out ulong scales, out ulong minima)
    {
        uint u0 = Unsafe.ReadUnaligned<uint>(ref packed);
        uint u1 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref packed, 4));
        uint u2 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref packed, 8));
        scales = (u0 & 0x3F3F3F3Fu) | ((ulong)((u2 & 0x0F0F0F0Fu) | ((u0 >> 2) & 0x30303030u)) << 32);
        minima = (u1 & 0x3F3F3F3Fu) | ((ulong)(((u2 >> 4) & 0x0F0F0F0Fu) | ((u1 >> 2) & 0x30303030u)) << 32);
    }

    /// <summary>
    /// Sub-block <paramref name="j"/>'s 6-bit scale and minimum from the 12 packed bytes
    /// (Dequantization.ScaleMin, on references): sub-blocks 0–3 in the low 6 bits of bytes 0–7, 4–7 in
    /// the nibbles of bytes 8–11 with their top bits in the spare bits of bytes 0–7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack(ref byte packed, int j, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = Unsafe.Add(ref packed, j) & 63;
            min = Unsafe.Add(ref packed, j + 4) & 63;
        }
        else
        {
            scale = (Unsafe.Add(ref packed, j + 4) & 0xF) | ((Unsafe.Add(ref packed, j - 4) >> 6) << 4);
            min = (Unsafe.Add(ref packed, j + 4) >> 4) | ((Unsafe.Add(ref packed, j) >> 6) << 4);
        }
    }
}
