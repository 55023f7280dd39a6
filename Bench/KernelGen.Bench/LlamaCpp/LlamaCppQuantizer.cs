using System;
using System.IO;
using LLama.Native;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// llama.cpp's own quantizer (<c>llama_model_quantize</c>, what <c>llama-quantize</c> runs), so the
/// quantized files KernelGen is checked and measured on are made by the implementation that defines
/// the formats, not by KernelGen.
/// </summary>
public static class LlamaCppQuantizer
{
    /// <summary>Quantizes the GGUF file <paramref name="source"/> into <paramref name="target"/>.</summary>
    /// <param name="source">An F32 or F16 GGUF file.</param>
    /// <param name="target">The file to create.</param>
    /// <param name="type">llama.cpp's file type: <c>MOSTLY_Q8_0</c>, <c>MOSTLY_Q4_K_M</c> and so on.</param>
    /// <param name="pure">Every matrix in the type's own encoding (llama-quantize --pure); otherwise llama.cpp's mix (Q6_K classifier, Q6_K attn_v and ffn_down on some layers for the _M types).</param>
    /// <exception cref="InvalidOperationException">llama.cpp reported a failure.</exception>
    public static void Quantize(string source, string target, LLamaFtype type, bool pure = false)
    {
        LlamaCppDecoder.ConfigureLogging();
        NativeApi.llama_empty_call();   // loads the native library (NativeApi's static constructor) before the first direct call
        var parameters = LLamaModelQuantizeParams.Default();
        parameters.ftype = type;
        parameters.pure = pure;
        parameters.nthread = LlamaCppDecoder.Threads;
        parameters.allow_requantize = true;
        parameters.quantize_output_tensor = true;
        uint result = NativeApi.llama_model_quantize(source, target, ref parameters);
        if (result != 0 || !File.Exists(target))
        {
            throw new InvalidOperationException($"llama.cpp could not quantize '{source}' to {type}: llama_model_quantize returned {result}.");
        }
    }
}
