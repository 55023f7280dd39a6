using System;
using System.Runtime.Intrinsics;

namespace KernelGen.Caching;

/// <summary>
/// How one <see cref="KvCacheFormat"/> stores a number and widens it back to float, as a struct
/// the attention engine and the microkernels are generic over: the JIT compiles one copy per
/// format, in which these static calls inline to one or a few instructions per vector.
/// </summary>
/// <remarks>
/// <para>Rows are addressed as bytes and indexed in elements: <c>Load256(ref row, i)</c> widens
/// elements i..i+7 of the row. For <see cref="KvFloat32"/> the loads are the plain float loads, so
/// the f32 instantiation of every kernel is the code it was before formats existed.</para>
/// <para>A scaled format (<see cref="KvInt8"/>) stores one float per row beside it: the widened
/// numbers are q, the row is scale · q. The engine, not the microkernels, applies the scale: a
/// key's scale multiplies its score (q·(s·k) = s·(q·k)), a value's scale its softmax weight.</para>
/// </remarks>
public interface IKvCacheFormat
{
    /// <summary>The format this struct implements.</summary>
    static abstract KvCacheFormat Format { get; }

    /// <summary>Bytes per stored number.</summary>
    static abstract int ElementBytes { get; }

    /// <summary>True when each row carries a float scale (the stored numbers are q, the row s · q).</summary>
    static abstract bool Scaled { get; }

    /// <summary>Elements <paramref name="index"/>..+15 of <paramref name="row"/>, widened to float.</summary>
    static abstract Vector512<float> Load512(ref byte row, nuint index);

    /// <summary>Elements <paramref name="index"/>..+7 of <paramref name="row"/>, widened to float.</summary>
    static abstract Vector256<float> Load256(ref byte row, nuint index);

    /// <summary>Elements <paramref name="index"/>..+3 of <paramref name="row"/>, widened to float.</summary>
    static abstract Vector128<float> Load128(ref byte row, nuint index);

    /// <summary>Element <paramref name="index"/> of <paramref name="row"/>, widened to float.</summary>
    static abstract float Load(ref byte row, nint index);

    /// <summary>
    /// Stores <paramref name="source"/> into <paramref name="target"/> (<c>source.Length · ElementBytes</c>
    /// bytes), rounding to nearest; returns the row's scale (1 for an unscaled format).
    /// </summary>
    static abstract float Encode(ReadOnlySpan<float> source, Span<byte> target);
}
