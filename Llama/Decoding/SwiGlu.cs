using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelGen.Kernels;

namespace KernelGen.Decoding;

/// <summary>
/// The SwiGLU gate of Llama's feed-forward block (Shazeer 2020): <c>h[i] = silu(g[i]) · u[i]</c> with
/// <c>silu(z) = z / (1 + e^(−z))</c>, written as run.c writes it.
/// </summary>
internal static class SwiGlu
{
    /// <summary>Replaces <paramref name="gate"/> by silu(gate) · <paramref name="up"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(Span<float> gate, ReadOnlySpan<float> up)
    {
        int n = gate.Length;
        if (up.Length != n)
        {
            throw new ArgumentException($"SwiGLU needs gate and up of equal length; got {n} and {up.Length}.", nameof(up));
        }

        ref float g = ref MemoryMarshal.GetReference(gate);
        ref float u = ref MemoryMarshal.GetReference(up);
        int i = 0;

        // Vectorized exp on the widths SimdPolicy allows: the hidden layer is the widest activation, and a scalar exp per element
        // would cost more than the matrix products around it. The kernels' float exp (FastExp, within 2 ulp) on every width:
        // the runtime's Vector512/256.Exp widen to doubles, twice the work, for accuracy a sigmoid's rounding cannot show.
        if (SimdPolicy.Bits >= 512)
        {
            var one = Vector512<float>.One;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var z = Vector512.LoadUnsafe(ref g, (nuint)i);
                (z * (one / (one + FastExp.Exp(-z))) * Vector512.LoadUnsafe(ref u, (nuint)i)).StoreUnsafe(ref g, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 256)
        {
            var one = Vector256<float>.One;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var z = Vector256.LoadUnsafe(ref g, (nuint)i);
                (z * (one / (one + FastExp.Exp(-z))) * Vector256.LoadUnsafe(ref u, (nuint)i)).StoreUnsafe(ref g, (nuint)i);
            }
        }

        // Vector128.Exp would compute in doubles on Vector256<double>, which an ISA without AVX2 runs in software, lane by lane.
        if (SimdPolicy.Bits >= 128)
        {
            var one = Vector128<float>.One;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var z = Vector128.LoadUnsafe(ref g, (nuint)i);
                (z * (one / (one + FastExp.Exp(-z))) * Vector128.LoadUnsafe(ref u, (nuint)i)).StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float z = gate[i];
            gate[i] = z * (1.0f / (1.0f + MathF.Exp(-z))) * up[i];
        }
    }
}
