using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace KernelGen.Kernels;

/// <summary>Which vector widths the JIT accelerates in this process (so logs and tests can show it).</summary>
public static class Simd
{
    /// <summary>The widest accelerated width in bits: 512, 256, 128, or 0 for scalar only.</summary>
    public static int WidestBits =>
        Vector512.IsHardwareAccelerated ? 512 :
        Vector256.IsHardwareAccelerated ? 256 :
        Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>For example "Vector512 Vector256 Vector128", or "scalar".</summary>
    public static string Describe()
    {
        var widths = new List<string>(3);
        if (Vector512.IsHardwareAccelerated)
        {
            widths.Add("Vector512");
        }

        if (Vector256.IsHardwareAccelerated)
        {
            widths.Add("Vector256");
        }

        if (Vector128.IsHardwareAccelerated)
        {
            widths.Add("Vector128");
        }

        return widths.Count == 0 ? "scalar" : string.Join(" ", widths);
    }
}
