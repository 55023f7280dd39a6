using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KernelGen.Checkpoints;

namespace KernelGen.LlamaCpp.Tests;

/// <summary>
/// ggml's own reference dequantization (<c>dequantize_row_q4_0</c> and friends, exported by
/// libggml-base), called directly: the definition KernelGen's blocks must reproduce bit for bit.
/// </summary>
/// <remarks>
/// The library is the package's baseline x86-64 build (no AVX, so no FMA the C compiler could
/// contract <c>d·q − m</c> into): ggml's reference arithmetic exactly as written.
/// </remarks>
internal static class GgmlReference
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void DequantizeRowFunction(IntPtr blocks, IntPtr values, long count);

    private static readonly Lazy<Dictionary<GgufTensorType, DequantizeRowFunction>> Functions = new(Load);

    /// <summary>ggml's floats for <paramref name="count"/> values stored as <paramref name="blocks"/> of <paramref name="type"/>.</summary>
    public static float[] DequantizeRow(GgufTensorType type, byte[] blocks, int count)
    {
        var values = new float[count];
        var input = GCHandle.Alloc(blocks, GCHandleType.Pinned);
        var output = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            Functions.Value[type](input.AddrOfPinnedObject(), output.AddrOfPinnedObject(), count);
        }
        finally
        {
            input.Free();
            output.Free();
        }

        return values;
    }

    private static Dictionary<GgufTensorType, DequantizeRowFunction> Load()
    {
        string name = OperatingSystem.IsWindows() ? "ggml-base.dll" : OperatingSystem.IsMacOS() ? "libggml-base.dylib" : "libggml-base.so";
        var candidates = Directory.EnumerateFiles(AppContext.BaseDirectory, name, SearchOption.AllDirectories).ToList();
        string library = candidates.FirstOrDefault(p => p.Contains("noavx", StringComparison.Ordinal)) ?? candidates.FirstOrDefault()
            ?? throw new FileNotFoundException($"No {name} under {AppContext.BaseDirectory}: the LLamaSharp CPU backend package should put it there.");
        var handle = NativeLibrary.Load(library);
        var functions = new Dictionary<GgufTensorType, DequantizeRowFunction>();
        foreach (var (type, symbol) in new[]
        {
            (GgufTensorType.Q4_0, "dequantize_row_q4_0"), (GgufTensorType.Q5_0, "dequantize_row_q5_0"), (GgufTensorType.Q8_0, "dequantize_row_q8_0"),
            (GgufTensorType.Q4_K, "dequantize_row_q4_K"), (GgufTensorType.Q5_K, "dequantize_row_q5_K"), (GgufTensorType.Q6_K, "dequantize_row_q6_K"),
        })
        {
            functions[type] = Marshal.GetDelegateForFunctionPointer<DequantizeRowFunction>(NativeLibrary.GetExport(handle, symbol));
        }

        return functions;
    }
}
