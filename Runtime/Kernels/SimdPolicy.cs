using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>
/// Which vector width the kernels use in this process: the widest the JIT accelerates, unless the
/// environment variable <c>KERNELGEN_SIMD</c> (<c>512</c>, <c>256</c>, <c>128</c> or <c>scalar</c>)
/// says otherwise.
/// </summary>
/// <remarks>
/// <para>The override exists so every SIMD path can be tested on any machine: a path forced wider
/// than the hardware runs in the runtime's software emulation of that vector type — slow, but
/// the same arithmetic. <c>DOTNET_EnableAVX2=0</c> and friends narrow what the JIT accelerates
/// and so what is chosen without the override.</para>
/// <para>One policy for every vectorized loop in the process, the generated kernels', the generic
/// kernels' and the decoder's alike: the width from <see cref="Bits"/>, and a·b + c through
/// <c>MultiplyAdd</c>, which is fused only where the ISA fuses. Without FMA (x86-64-v1/v2, what
/// NativeAOT targets by default, or <c>DOTNET_EnableAVX2=0</c>) the runtime's
/// <c>FusedMultiplyAdd</c> falls back to a software fused multiply-add lane by lane, many times
/// slower than a multiply and an add.</para>
/// <para><see cref="Bits"/> is <c>static readonly</c>: once this class is initialized the JIT
/// treats it as a constant, so the kernels' dispatch on it folds away like a test of
/// <c>IsHardwareAccelerated</c> would.</para>
/// </remarks>
public static class SimdPolicy
{
    /// <summary>Name of the environment variable that forces a width.</summary>
    public const string OverrideVariable = "KERNELGEN_SIMD";

    /// <summary>The width kernels use, in bits: 512, 256, 128, or 0 for scalar code.</summary>
    public static readonly int Bits = Select(Environment.GetEnvironmentVariable(OverrideVariable));

    /// <summary>The widest width the JIT accelerates on this machine, in bits (0: none).</summary>
    public static int AcceleratedBits =>
        Vector512.IsHardwareAccelerated ? 512 :
        Vector256.IsHardwareAccelerated ? 256 :
        Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>
    /// a·b + c: one fused instruction where the ISA has FMA, a multiply and an add where it does not
    /// (the runtime's <c>MultiplyAddEstimate</c>). Never <c>FusedMultiplyAdd</c>, which an ISA
    /// without FMA computes in software, one lane at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.MultiplyAddEstimate(a, b, c);

    /// <summary>
    /// a·b + c: one fused instruction where the ISA has FMA, a multiply and an add where it does not
    /// (the runtime's <c>MultiplyAddEstimate</c>). Never <c>FusedMultiplyAdd</c>, which an ISA
    /// without FMA computes in software, one lane at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.MultiplyAddEstimate(a, b, c);

    /// <summary>
    /// a·b + c: one fused instruction where the ISA has FMA, a multiply and an add where it does not
    /// (the runtime's <c>MultiplyAddEstimate</c>). Never <c>FusedMultiplyAdd</c>, which an ISA
    /// without FMA computes in software, one lane at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.MultiplyAddEstimate(a, b, c);

    /// <summary>True when <see cref="Bits"/> comes from <c>KERNELGEN_SIMD</c> rather than the hardware.</summary>
    public static bool IsForced => Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 };

    /// <summary>
    /// The path a kernel that has code for the given widths takes: the widest of them not wider
    /// than <see cref="Bits"/>, else scalar (0), which every kernel has.
    /// </summary>
    public static int SelectPath(params int[] emittedBits)
    {
        ArgumentNullException.ThrowIfNull(emittedBits);
        int best = 0;
        foreach (int bits in emittedBits)
        {
            if (bits <= Bits && bits > best)
            {
                best = bits;
            }
        }

        return best;
    }

    /// <summary>"Vector512", "Vector256", "Vector128" or "Scalar".</summary>
    public static string PathName(int bits) => KernelSizes.PathName(bits);

    /// <summary>For logs: "Vector256 (accelerated: Vector256)" or "Vector512 (forced by KERNELGEN_SIMD; accelerated: Vector256)".</summary>
    public static string Describe() =>
        PathName(Bits) + (IsForced ? " (forced by " + OverrideVariable + "; accelerated: " : " (accelerated: ") + PathName(AcceleratedBits) + ")";

    internal static int Select(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" => AcceleratedBits,
        "512" or "vector512" => 512,
        "256" or "vector256" => 256,
        "128" or "vector128" => 128,
        "0" or "scalar" => 0,
        _ => throw new InvalidOperationException(
            $"{OverrideVariable}='{setting}' is not a vector width; use 512, 256, 128 or scalar, or leave it unset."),
    };
}
