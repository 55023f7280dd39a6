using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;

namespace KernelGen.Checkpoints;

/// <summary>
/// Writes a llama2.c legacy checkpoint of any shape filled with seeded random weights: a model to
/// measure speed on at realistic shapes (no trained checkpoint of that shape needs to exist). The
/// file is a valid checkpoint: <see cref="Llama2cCheckpoint.Load(string)"/> reads it back.
/// </summary>
/// <remarks>
/// Matrices are uniform in ±1/√fan_in (activations keep their scale through the layers), RMSNorm
/// weights are 1, the legacy RoPE tables hold run.c's own values, and the classifier is shared.
/// </remarks>
public static class RandomCheckpoint
{
    /// <summary>Writes the checkpoint to <paramref name="path"/>.</summary>
    public static void Write(string path, ModelShape shape, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(shape);
        var tensors = LlamaWeights.Layout(shape, sharedClassifier: true);
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);

        Span<byte> header = stackalloc byte[CheckpointHeader.Size];
        int[] fields = { shape.Dim, shape.HiddenDim, shape.Layers, shape.Heads, shape.KvHeads, shape.Vocab, shape.MaxSeqLen };
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.Slice(i * sizeof(int)), fields[i]);
        }

        stream.Write(header);
        var buffer = new float[1 << 16];
        foreach (var tensor in tensors)
        {
            // Fan-in is the innermost dimension: dim for most matrices, hidden_dim for w2.
            int fanIn = tensor.Name == "w2" ? shape.HiddenDim : shape.Dim;
            bool norm = tensor.Name.StartsWith("rms_", StringComparison.Ordinal);
            bool cosine = tensor.Name.StartsWith("freq_cis_real", StringComparison.Ordinal);
            bool sine = tensor.Name.StartsWith("freq_cis_imag", StringComparison.Ordinal);
            float bound = 1f / MathF.Sqrt(fanIn);
            for (long done = 0; done < tensor.Length; done += buffer.Length)
            {
                int n = (int)Math.Min(buffer.Length, tensor.Length - done);
                for (int i = 0; i < n; i++)
                {
                    long index = done + i;
                    buffer[i] = norm ? 1f
                        : cosine || sine ? Rope(shape, index, sine)
                        : (float)(random.NextDouble() * 2 - 1) * bound;
                }

                stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            }
        }
    }

    /// <summary>The legacy table entry: cos or sin of pos · 10000^(−2m/head_size) for pair m.</summary>
    private static float Rope(ModelShape shape, long index, bool sine)
    {
        int half = shape.HeadDim / 2;
        long position = index / half;
        int pair = (int)(index % half);
        float angle = position * (1f / MathF.Pow(10000f, 2f * pair / shape.HeadDim));
        return sine ? MathF.Sin(angle) : MathF.Cos(angle);
    }
}
