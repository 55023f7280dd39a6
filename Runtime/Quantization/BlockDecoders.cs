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
/// A 256-value K-quant super-block (Q4_K, Q5_K, Q6_K): sixteen chunks of 16 integers, each with a
/// float scale, and for Q4_K/Q5_K a minimum per 32 values.
/// </summary>
internal interface ISuperBlockDecoder
{
    /// <summary>Bytes per super-block.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>
    /// Writes the 16 chunk scales (value = scale·q − min) and returns Σ min_j·Σx_j over the eight
    /// 32-value sub-blocks, given <paramref name="sums"/>, the eight Σx of this super-block's columns.
    /// </summary>
    static abstract float Prepare(ref byte block, ref float sums, Span<float> scales);

    /// <summary>The integers of chunk <paramref name="chunk"/> (values 16·chunk .. 16·chunk+15).</summary>
    static abstract Vector128<sbyte> Chunk(ref byte block, int chunk);
}

/// <summary>Q8_0 { half d; i8 qs[32]; }: the integers are the bytes.</summary>
internal readonly struct Q8_0Decoder : IBlock32Decoder
{
    public static int BlockBytes => 34;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(ref byte block) => (float)Unsafe.ReadUnaligned<Half>(ref block);

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
    public static float Scale(ref byte block) => (float)Unsafe.ReadUnaligned<Half>(ref block);

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
    public static float Scale(ref byte block) => (float)Unsafe.ReadUnaligned<Half>(ref block);

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

    public static float Prepare(ref byte block, ref float sums, Span<float> scales) => KScales.Prepare(ref block, ref sums, scales);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Chunk(ref byte block, int chunk)
    {
        // Chunk c: group c/4 of 64 values; c%4 picks bytes 0–15 or 16–31 of the group, low or high nibbles.
        var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 32 * (chunk >> 2) + 16 * (chunk & 1)));
        return ((chunk & 2) == 0 ? qs & Vector128.Create((byte)0x0F) : Vector128.ShiftRightLogical(qs, 4)).AsSByte();
    }
}

/// <summary>Q5_K { half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: as Q4_K, bit 2i or 2i+1 of qh[l] adding 16.</summary>
internal readonly struct Q5_KDecoder : ISuperBlockDecoder
{
    public static int BlockBytes => 176;

    public static float Prepare(ref byte block, ref float sums, Span<float> scales) => KScales.Prepare(ref block, ref sums, scales);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Chunk(ref byte block, int chunk)
    {
        int group = chunk >> 2, part = chunk & 1, nibble = (chunk >> 1) & 1;
        var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 48 + 32 * group + 16 * part));
        var qh = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 16 + 16 * part));
        var low = nibble == 0 ? qs & Vector128.Create((byte)0x0F) : Vector128.ShiftRightLogical(qs, 4);
        var fifth = Vector128.ShiftLeft(Vector128.ShiftRightLogical(qh, 2 * group + nibble) & Vector128<byte>.One, 4);
        return (low | fifth).AsSByte();
    }
}

/// <summary>
/// Q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }: per 128 values, four 32-value groups,
/// each a nibble of ql with two bits of qh above it, minus 32; value = (d·scale)·q per 16 values.
/// </summary>
internal readonly struct Q6_KDecoder : ISuperBlockDecoder
{
    public static int BlockBytes => 210;

    public static float Prepare(ref byte block, ref float sums, Span<float> scales)
    {
        float d = (float)Unsafe.ReadUnaligned<Half>(ref Unsafe.Add(ref block, 208));
        for (int c = 0; c < 16; c++)
        {
            scales[c] = d * (sbyte)Unsafe.Add(ref block, 192 + c);
        }

        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<sbyte> Chunk(ref byte block, int chunk)
    {
        // Chunk c: half c/8 (128 values); within it, group g = (c%8)/2 and part (c%2) of 16 values.
        int half = chunk >> 3, group = (chunk >> 1) & 3, part = chunk & 1;
        var ql = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 64 * half + 32 * (group & 1) + 16 * part));
        var qh = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 128 + 32 * half + 16 * part));
        var low = (group >> 1) == 0 ? ql & Vector128.Create((byte)0x0F) : Vector128.ShiftRightLogical(ql, 4);
        var high = Vector128.ShiftLeft(Vector128.ShiftRightLogical(qh, 2 * group) & Vector128.Create((byte)3), 4);
        return ((low | high) - Vector128.Create((byte)32)).AsSByte();
    }
}

/// <summary>The scales and minima of Q4_K and Q5_K (both start { half d, dmin; u8 scales[12]; }).</summary>
internal static class KScales
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Prepare(ref byte block, ref float sums, Span<float> scales)
    {
        float d = (float)Unsafe.ReadUnaligned<Half>(ref block);
        float dmin = (float)Unsafe.ReadUnaligned<Half>(ref Unsafe.Add(ref block, 2));
        var packed = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref block, 4), 12);
        float minimum = 0;
        for (int j = 0; j < 8; j++)
        {
            var (scale, min) = Dequantization.ScaleMin(packed, j);
            float s = d * scale;
            scales[2 * j] = s;
            scales[2 * j + 1] = s;
            minimum += dmin * min * Unsafe.Add(ref sums, j);
        }

        return minimum;
    }
}
