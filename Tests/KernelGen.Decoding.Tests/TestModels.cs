using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using KernelGen.Checkpoints;

namespace KernelGen.Decoding.Tests;

/// <summary>Small random llama2.c checkpoints, in memory or as files, for shapes the shipped model does not have.</summary>
internal static class TestModels
{
    /// <summary>A payload in file order with random weights; RMSNorm weights near 1 so activations stay in range.</summary>
    public static float[] RandomPayload(ModelShape shape, bool sharedClassifier, int seed)
    {
        var random = new Random(seed);
        var payload = new float[LlamaWeights.PayloadLength(shape, sharedClassifier)];
        float scale = 1f / MathF.Sqrt(shape.Dim);
        foreach (var tensor in LlamaWeights.Layout(shape, sharedClassifier))
        {
            bool isNorm = tensor.Name.StartsWith("rms", StringComparison.Ordinal);
            for (long i = tensor.Offset; i < tensor.End; i++)
            {
                float u = (float)(random.NextDouble() * 2 - 1);
                payload[i] = isNorm ? 1f + 0.2f * u : 2f * scale * u;
            }
        }

        return payload;
    }

    public static LlamaWeights RandomWeights(ModelShape shape, bool sharedClassifier, int seed) =>
        new(shape, sharedClassifier, RandomPayload(shape, sharedClassifier, seed));

    public static CheckpointHeader HeaderOf(ModelShape shape, bool sharedClassifier) =>
        new(shape.Dim, shape.HiddenDim, shape.Layers, shape.Heads, shape.KvHeads, sharedClassifier ? shape.Vocab : -shape.Vocab, shape.MaxSeqLen);

    public static byte[] HeaderBytes(CheckpointHeader header)
    {
        var bytes = new byte[CheckpointHeader.Size];
        int[] fields = [header.Dim, header.HiddenDim, header.Layers, header.Heads, header.KvHeads, header.SignedVocab, header.SeqLen];
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), fields[i]);
        }

        return bytes;
    }

    public static void WriteCheckpoint(string path, CheckpointHeader header, float[] payload)
    {
        using var file = File.Create(path);
        file.Write(HeaderBytes(header));
        file.Write(MemoryMarshal.AsBytes(payload.AsSpan()));
    }

    /// <summary>Writes a random checkpoint of <paramref name="shape"/> and returns its path.</summary>
    public static string WriteRandomCheckpoint(TempDirectory directory, string name, ModelShape shape, bool sharedClassifier, int seed)
    {
        string path = directory.File(name);
        WriteCheckpoint(path, HeaderOf(shape, sharedClassifier), RandomPayload(shape, sharedClassifier, seed));
        return path;
    }
}
