using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Caching;

/// <summary><see cref="KvCacheFormat.Float32"/>: the numbers as they are; loads are plain float loads.</summary>
public readonly struct KvFloat32 : IKvCacheFormat
{
    /// <inheritdoc />
    public static KvCacheFormat Format => KvCacheFormat.Float32;

    /// <inheritdoc />
    public static int ElementBytes => sizeof(float);

    /// <inheritdoc />
    public static bool Scaled => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ref byte row, nuint index) => Vector512.LoadUnsafe(ref Unsafe.As<byte, float>(ref row), index);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ref byte row, nuint index) => Vector256.LoadUnsafe(ref Unsafe.As<byte, float>(ref row), index);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(ref byte row, nuint index) => Vector128.LoadUnsafe(ref Unsafe.As<byte, float>(ref row), index);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref byte row, nint index) => Unsafe.Add(ref Unsafe.As<byte, float>(ref row), index);

    /// <inheritdoc />
    public static float Encode(ReadOnlySpan<float> source, Span<byte> target)
    {
        source.CopyTo(MemoryMarshal.Cast<byte, float>(target));
        return 1f;
    }
}
