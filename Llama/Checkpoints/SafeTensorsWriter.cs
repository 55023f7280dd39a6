using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using KernelGen.Decoding;

namespace KernelGen.Checkpoints;

/// <summary>
/// Writes any checkpoint the runtime can load as a Hugging Face Llama folder: <c>config.json</c> and
/// one <c>model.safetensors</c> under Hugging Face's tensor names, with Wq and Wk in the rotate-half
/// rotary layout those checkpoints use (reordered from interleaved for llama2.c and GGUF sources).
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>Writes <paramref name="weights"/> and <paramref name="settings"/> into <paramref name="folder"/> (created if needed).</summary>
    /// <param name="folder">The checkpoint folder; <c>config.json</c> and <c>model.safetensors</c> in it are overwritten.</param>
    /// <param name="weights">The model's parameters.</param>
    /// <param name="settings">Rotary base and layout, epsilon, sliding window.</param>
    /// <param name="dtype"><c>F32</c> (exact), <c>F16</c> or <c>BF16</c> (rounded to nearest even).</param>
    public static void Write(string folder, LlamaWeights weights, DecoderSettings settings, string dtype = "F32")
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(settings);
        if (dtype is not ("F32" or "F16" or "BF16"))
        {
            throw new ArgumentException($"dtype must be F32, F16 or BF16, not '{dtype}'.", nameof(dtype));
        }

        Directory.CreateDirectory(folder);
        var shape = weights.Shape;
        File.WriteAllText(Path.Combine(folder, SafeTensorsCheckpointReader.ConfigFileName), Config(shape, weights.SharedClassifier, settings));

        var tensors = new List<(LlamaTensor Tensor, int Layer)>();
        foreach (var tensor in LlamaTensors.For(shape, weights.SharedClassifier))
        {
            for (int layer = 0; layer < (tensor.PerLayer ? shape.Layers : 1); layer++)
            {
                tensors.Add((tensor, layer));
            }
        }

        int elementBytes = SafeTensorsFile.ElementBytes(dtype);
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (tensor, layer) in tensors)
        {
            long bytes = (long)tensor.Length * elementBytes;
            string shapeText = tensor.IsVector ? $"[{tensor.Columns}]" : $"[{tensor.Rows},{tensor.Columns}]";
            header.Append(CultureInfo.InvariantCulture, $"\"{tensor.HuggingFace(layer)}\":{{\"dtype\":\"{dtype}\",\"shape\":{shapeText},\"data_offsets\":[{offset},{offset + bytes}]}},");
            offset += bytes;
        }

        header.Append("\"__metadata__\":{\"format\":\"pt\"}}");
        // Pad the header with spaces to a multiple of 8 so the data starts aligned, as Hugging Face's writer does.
        while ((Encoding.UTF8.GetByteCount(header.ToString()) + 8) % 8 != 0)
        {
            header.Append(' ');
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var file = new FileStream(Path.Combine(folder, SafeTensorsCheckpointReader.WeightsFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        file.Write(length);
        file.Write(headerBytes);

        var scratch = new float[MaxLength(tensors)];
        var narrow = new byte[scratch.Length * 2];
        foreach (var (tensor, layer) in tensors)
        {
            var values = weights.Payload.Slice((int)tensor.OffsetOf(layer), tensor.Length);
            if (tensor.RopeHeads > 0 && settings.RopeLayout == RopeLayout.Interleaved)
            {
                var reordered = scratch.AsSpan(0, tensor.Length);
                RopePermutation.ToRotateHalf(values, reordered, tensor.RopeHeads, tensor.Columns);
                values = reordered;
            }

            if (dtype == "F32")
            {
                file.Write(MemoryMarshal.AsBytes(values));
                continue;
            }

            for (int i = 0; i < values.Length; i++)
            {
                ushort bits = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)values[i]) : GgufWriter.ToBFloat16(values[i]);
                BinaryPrimitives.WriteUInt16LittleEndian(narrow.AsSpan(2 * i), bits);
            }

            file.Write(narrow, 0, 2 * values.Length);
        }
    }

    /// <summary>A Hugging Face LlamaConfig for the shape and settings.</summary>
    private static string Config(ModelShape shape, bool shared, DecoderSettings settings) => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "hidden_size": {{shape.Dim}},
          "intermediate_size": {{shape.HiddenDim}},
          "num_hidden_layers": {{shape.Layers}},
          "num_attention_heads": {{shape.Heads}},
          "num_key_value_heads": {{shape.KvHeads}},
          "vocab_size": {{shape.Vocab}},
          "max_position_embeddings": {{shape.MaxSeqLen}},
          "rms_norm_eps": {{settings.RmsNormEpsilon:R}},
          "rope_theta": {{settings.RopeTheta:R}},
          "sliding_window": {{(settings.SlidingWindow > 0 ? settings.SlidingWindow.ToString(CultureInfo.InvariantCulture) : "null")}},
          "tie_word_embeddings": {{(shared ? "true" : "false")}},
          "hidden_act": "silu",
          "bos_token_id": 1,
          "eos_token_id": 2,
          "torch_dtype": "float32"
        }

        """);

    private static int MaxLength(List<(LlamaTensor Tensor, int Layer)> tensors)
    {
        int max = 0;
        foreach (var (tensor, _) in tensors)
        {
            max = Math.Max(max, tensor.Length);
        }

        return max;
    }
}
