using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelGen.Caching;

/// <summary>
/// <see cref="KvCacheFormat.Int8"/>: symmetric int8 with one float scale per row (one position of
/// one KV head): q = round(x / s), s = max|x| / 127, so every number of the row is within s/2 of
/// s · q. Widening is a sign extension and a conversion (vpmovsxbd + vcvtdq2ps); the engine
/// multiplies the scale into the score (keys) or the softmax weight (values), once per row.
/// </summary>
/// <remarks>
/// <para>Per position rather than per channel (KIVI quantizes keys per channel): a scale per
/// position is known the moment the position is written, so appends quantize as they write and a
/// rolling window overwrites a slot with no neighbour to requantize. A per-channel scale needs the
/// channel's range over many positions — positions that have not arrived yet during decode — so
/// KIVI keeps the newest tokens in full precision until a group fills. The measured cost is in
/// the accuracy tests: on keys with a few large channels (the case per-channel is for) per-token
/// error grows with the outliers' size, and on keys without them the two are alike.</para>
/// </remarks>
public readonly struct KvInt8 : IKvCacheFormat
{
    /// <summary>Largest stored magnitude.</summary>
    public const int Levels = 127;

    /// <inheritdoc />
    public static KvCacheFormat Format => KvCacheFormat.Int8;

    /// <inheritdoc />
    public static int ElementBytes => sizeof(sbyte);

    /// <inheritdoc />
    public static bool Scaled => true;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ref byte row, nuint index)
    {
        var q = Vector128.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref row), index);
        if (Avx512F.IsSupported)
        {
            return Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(q));
        }

        var lower = Vector128.WidenLower(q);
        var upper = Vector128.WidenUpper(q);
        return Vector512.ConvertToSingle(Vector512.Create(
            Vector256.Create(Vector128.WidenLower(lower), Vector128.WidenUpper(lower)),
            Vector256.Create(Vector128.WidenLower(upper), Vector128.WidenUpper(upper))));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ref byte row, nuint index)
    {
        var q = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, index))).AsSByte();
        if (Avx2.IsSupported)
        {
            return Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q));
        }

        var lower = Vector128.WidenLower(q);
        return Vector256.ConvertToSingle(Vector256.Create(Vector128.WidenLower(lower), Vector128.WidenUpper(lower)));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(ref byte row, nuint index)
    {
        var q = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref row, index))).AsSByte();
        var wide = Sse41.IsSupported ? Sse41.ConvertToVector128Int32(q) : Vector128.WidenLower(Vector128.WidenLower(q));
        return Vector128.ConvertToSingle(wide);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref byte row, nint index) => Unsafe.Add(ref Unsafe.As<byte, sbyte>(ref row), index);

    /// <inheritdoc />
    public static float Encode(ReadOnlySpan<float> source, Span<byte> target)
    {
        float max = 0;
        foreach (float x in source)
        {
            max = MathF.Max(max, MathF.Abs(x));
        }

        var q = MemoryMarshal.Cast<byte, sbyte>(target);
        if (max == 0 || !float.IsFinite(max))
        {
            // An all-zero row (or one no scale can represent) is stored as zeros with scale 0.
            q.Slice(0, source.Length).Clear();
            return 0f;
        }

        float scale = max / Levels, inverse = Levels / max;
        for (int i = 0; i < source.Length; i++)
        {
            q[i] = (sbyte)Math.Clamp(MathF.Round(source[i] * inverse), -Levels, Levels);
        }

        return scale;
    }
}
