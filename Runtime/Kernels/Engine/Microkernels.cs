using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// Reductions the microkernels end with: the four dot products of a row against four keys, each
/// held as a vector of partial sums, turned into one Vector128 of four scores.
/// </summary>
public static class Microkernels
{
    /// <summary>(Σa, Σb, Σc, Σd) of four Vector512 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        Reduce4(Fold(a), Fold(b), Fold(c), Fold(d));

    /// <summary>(Σa, Σb, Σc, Σd) of four Vector256 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (Avx.IsSupported)
        {
            // Horizontal adds pair lanes within each 128-bit half; three of them and one add finish.
            var ab = Avx.HorizontalAdd(a, b);
            var cd = Avx.HorizontalAdd(c, d);
            var abcd = Avx.HorizontalAdd(ab, cd);
            return abcd.GetLower() + abcd.GetUpper();
        }

        return Reduce4(Fold(a), Fold(b), Fold(c), Fold(d));
    }

    /// <summary>(Σa, Σb, Σc, Σd) of four Vector128 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        }

        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }

    /// <summary>Adds a vector's halves: the same total in half the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fold(Vector512<float> x) => x.GetLower() + x.GetUpper();

    /// <summary>Adds a vector's halves: the same total in half the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold(Vector256<float> x) => x.GetLower() + x.GetUpper();
}
