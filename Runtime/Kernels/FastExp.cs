using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>
/// exp(x) for vectors of floats, within 2 ulp (relative error ≈ 1.2e-7), for the softmax: about
/// 1.5× the speed of the runtime's <c>Vector256.Exp</c> on the machines measured. exp(−∞) is
/// exactly 0, so masked scores vanish.
/// </summary>
/// <remarks>
/// Cody–Waite range reduction, as in Cephes' <c>expf</c>: x = n·ln2 + r with n = round(x/ln2) and
/// |r| ≤ ln2/2, ln2 split in two so r is exact; exp(r) by a degree-7 polynomial; the result scaled
/// by 2^n through the exponent bits. Inputs below ln(2^−126) give 0 (a softmax weight that small
/// cannot change a sum that holds a 1); inputs above ln(2^127) saturate.
/// </remarks>
public static class FastExp
{
    private const float Lowest = -87.33654f;       // ln(2^-126): smaller results would be denormal
    private const float Highest = 88.37626f;       // ln(2^127.5)
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;    // ln 2 = Ln2High − Ln2Low, Ln2High exact in 9 bits
    private const float Ln2Low = -2.12194440e-4f;

    /// <summary>exp of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var underflow = Vector512.LessThan(x, Vector512.Create(Lowest));
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(Lowest)), Vector512.Create(Highest));
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = SimdPolicy.MultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = SimdPolicy.MultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = SimdPolicy.MultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = SimdPolicy.MultiplyAdd(p * r, r, r + Vector512<float>.One);
        var scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return Vector512.AndNot(p * scale.AsSingle(), underflow);
    }

    /// <summary>exp of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(Lowest));
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = SimdPolicy.MultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = SimdPolicy.MultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = SimdPolicy.MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = SimdPolicy.MultiplyAdd(p * r, r, r + Vector256<float>.One);
        var scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return Vector256.AndNot(p * scale.AsSingle(), underflow);
    }

    /// <summary>exp of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        var underflow = Vector128.LessThan(x, Vector128.Create(Lowest));
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        var n = Vector128.Round(x * Vector128.Create(Log2E));
        var r = SimdPolicy.MultiplyAdd(n, Vector128.Create(-Ln2High), x);
        r = SimdPolicy.MultiplyAdd(n, Vector128.Create(-Ln2Low), r);
        var p = Vector128.Create(1.9875691500e-4f);
        p = SimdPolicy.MultiplyAdd(p, r, Vector128.Create(1.3981999507e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector128.Create(8.3334519073e-3f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector128.Create(4.1665795894e-2f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector128.Create(1.6666665459e-1f));
        p = SimdPolicy.MultiplyAdd(p, r, Vector128.Create(5.0000001201e-1f));
        p = SimdPolicy.MultiplyAdd(p * r, r, r + Vector128<float>.One);
        var scale = (Vector128.ConvertToInt32(n) + Vector128.Create(127)) << 23;
        return Vector128.AndNot(p * scale.AsSingle(), underflow);
    }
}
