using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelGen.Kernels;

namespace KernelGen.Decoding;

/// <summary>
/// Root-mean-square layer normalization (Zhang &amp; Sennrich 2019), as Llama and run.c compute it:
/// <c>out[i] = w[i] · (x[i] / √(mean(x²) + ε))</c> with ε inside the square root (1e-5 for llama2.c;
/// GGUF and Hugging Face checkpoints state their own).
/// </summary>
internal static class RmsNorm
{
    /// <summary>Llama's epsilon.</summary>
    public const float Epsilon = 1e-5f;

    /// <summary>Normalizes <paramref name="x"/> into <paramref name="output"/> (which may be <paramref name="x"/> itself) with Llama's epsilon.</summary>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> output) => Apply(x, weight, output, Epsilon);

    /// <summary>Normalizes <paramref name="x"/> into <paramref name="output"/> (which may be <paramref name="x"/> itself) with <paramref name="epsilon"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> output, float epsilon)
    {
        int n = x.Length;
        if (weight.Length != n || output.Length != n)
        {
            throw new ArgumentException($"RMSNorm of {n} values needs {n} weights and {n} outputs; got {weight.Length} and {output.Length}.");
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(weight);
        ref float os = ref MemoryMarshal.GetReference(output);
        float scale = 1f / MathF.Sqrt(SumOfSquares(ref xs, n) / n + epsilon);

        int i = 0;
        if (SimdPolicy.Bits >= 256)
        {
            var s = Vector256.Create(scale);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref ws, (nuint)i) * (s * Vector256.LoadUnsafe(ref xs, (nuint)i))).StoreUnsafe(ref os, (nuint)i);
            }
        }

        if (SimdPolicy.Bits >= 128)
        {
            var s = Vector128.Create(scale);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                (Vector128.LoadUnsafe(ref ws, (nuint)i) * (s * Vector128.LoadUnsafe(ref xs, (nuint)i))).StoreUnsafe(ref os, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref os, i) = Unsafe.Add(ref ws, i) * (scale * Unsafe.Add(ref xs, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SumOfSquares(ref float x, int n)
    {
        int i = 0;
        float sum = 0;
        if (SimdPolicy.Bits >= 256 && n >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref x, (nuint)i);
                acc = SimdPolicy.MultiplyAdd(v, v, acc);
            }

            sum = Vector256.Sum(acc);
        }
        else if (SimdPolicy.Bits >= 128 && n >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var v = Vector128.LoadUnsafe(ref x, (nuint)i);
                acc = SimdPolicy.MultiplyAdd(v, v, acc);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref x, i);
            sum += v * v;
        }

        return sum;
    }
}
