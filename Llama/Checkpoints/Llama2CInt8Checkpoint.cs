using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using KernelGen.Decoding;
using KernelGen.IO;

namespace KernelGen.Checkpoints;

/// <summary>
/// llama2.c's int8 export ("version 2", written by <c>export.py --version 2</c> and run by
/// <c>runq.c</c>): read into a <see cref="ModelCheckpoint"/>, and written (for tests and for users who
/// want runq.c's file from any checkpoint).
/// </summary>
/// <remarks>
/// <para>Layout (runq.c's <c>read_checkpoint</c> and <c>memory_map_weights</c>): a 256-byte header —
/// uint32 magic "ak42" (0x616b3432), int32 version 2, seven int32 (dim, hidden_dim, n_layers,
/// n_heads, n_kv_heads, vocab_size, seq_len), uint8 shared_classifier, int32 group_size, zeros — then
/// the float32 norm weights (attention norms of every layer, feed-forward norms, final norm), then
/// each matrix quantized: the token embedding, then Wq, Wk, Wv, Wo, W1, W2, W3 of every layer, then
/// the classifier unless shared. A quantized tensor is its int8 values, then one float32 scale per
/// <c>group_size</c> consecutive values of the flattened tensor: value = q·scale.</para>
/// <para>The groups run over the flattened tensor, not over rows (stories260K's rows of 172 values
/// share groups of 64), so they cannot become GGUF blocks: the reader dequantizes each value exactly
/// as runq.c's <c>dequantize</c> does, into the float32 payload every other llama2.c file uses.</para>
/// </remarks>
public static class Llama2CInt8Checkpoint
{
    /// <summary>Bytes of the header.</summary>
    public const int HeaderSize = 256;

    /// <summary>The export version this reads.</summary>
    public const int Version = 2;

    /// <summary>True when <paramref name="path"/> starts with the "ak42" magic and version 2.</summary>
    public static bool IsInt8Export(string path)
    {
        try
        {
            using var stream = RegularFile.Open(path, problem => new IOException(problem), bufferSize: 1);   // never blocks on a FIFO
            Span<byte> start = stackalloc byte[8];
            return stream.ReadAtLeast(start, 8, throwOnEndOfStream: false) == 8
                && BinaryPrimitives.ReadUInt32LittleEndian(start) == CheckpointHeader.VersionedExportMagic
                && BinaryPrimitives.ReadInt32LittleEndian(start[4..]) == Version;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads and checks the int8 export at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, not a version-2 export, has an invalid header, or is not exactly the size its header describes.</exception>
    public static ModelCheckpoint Load(string path) => CheckpointFiles.Open(path, "llama2.c int8 checkpoint", Read);

    /// <summary>
    /// Writes <paramref name="weights"/> as an int8 export with groups of <paramref name="groupSize"/>,
    /// quantized as llama2.c's <c>export.py</c> does: per group, scale = max|w|/127 and q = round(w/scale).
    /// </summary>
    /// <exception cref="ArgumentException">The group size does not divide dim or a tensor, or the model is quantized already.</exception>
    public static void Write(string path, LlamaWeights weights, int groupSize, int? maxSeqLen = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(weights);
        var shape = weights.Shape;
        if (groupSize <= 0 || shape.Dim % groupSize != 0)
        {
            throw new ArgumentException($"group_size {groupSize} must be positive and divide dim {shape.Dim}.", nameof(groupSize));
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CheckpointHeader.VersionedExportMagic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), Version);
        int[] fields = [shape.Dim, shape.HiddenDim, shape.Layers, shape.Heads, shape.KvHeads, shape.Vocab, maxSeqLen ?? shape.MaxSeqLen];
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8 + 4 * i), fields[i]);
        }

        header[36] = weights.SharedClassifier ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(37), groupSize);
        stream.Write(header);

        void Floats(ReadOnlySpan<float> values)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("The int8 export is written on little-endian hosts only.");
            }

            stream.Write(MemoryMarshal.AsBytes(values));
        }

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            Floats(weights.AttentionNorm(layer));
        }

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            Floats(weights.FeedForwardNorm(layer));
        }

        Floats(weights.FinalNorm);
        void Quantized(ReadOnlySpan<float> tensor, string name)
        {
            if (tensor.Length % groupSize != 0)
            {
                throw new ArgumentException($"Tensor {name} holds {tensor.Length} values, not a multiple of group_size {groupSize}.", nameof(groupSize));
            }

            var values = new byte[tensor.Length];
            var scales = new float[tensor.Length / groupSize];
            for (int g = 0; g < scales.Length; g++)
            {
                var group = tensor.Slice(g * groupSize, groupSize);
                float max = 0;
                foreach (float w in group)
                {
                    max = Math.Max(max, Math.Abs(w));
                }

                float scale = max / 127f;
                scales[g] = scale;
                for (int i = 0; i < groupSize; i++)
                {
                    values[g * groupSize + i] = (byte)(sbyte)(scale == 0 ? 0 : MathF.Round(group[i] / scale, MidpointRounding.ToEven));
                }
            }

            stream.Write(values);
            Floats(scales);
        }

        Quantized(weights.TokenEmbedding, "token_embedding_table");
        foreach (var (matrix, name) in MatrixOrder)
        {
            for (int layer = 0; layer < shape.Layers; layer++)
            {
                Quantized(weights.Matrix(matrix, layer), name);
            }
        }

        if (!weights.SharedClassifier)
        {
            Quantized(weights.Classifier, "wcls");
        }
    }

    /// <summary>The per-layer matrices in file order, with llama2.c's names.</summary>
    private static readonly (LlamaMatrix Matrix, string Name)[] MatrixOrder =
    [
        (LlamaMatrix.Query, "wq"), (LlamaMatrix.Key, "wk"), (LlamaMatrix.Value, "wv"), (LlamaMatrix.Output, "wo"),
        (LlamaMatrix.Gate, "w1"), (LlamaMatrix.Down, "w2"), (LlamaMatrix.Up, "w3"),
    ];

    private static ModelCheckpoint Read(string path, FileStream stream)
    {
        if (stream.Length < HeaderSize)
        {
            throw new CheckpointException(path, "header", string.Create(CultureInfo.InvariantCulture,
                $"llama2.c int8 checkpoint '{path}' is truncated: it holds {stream.Length} bytes, but the header alone takes {HeaderSize}."));
        }

        var header = new byte[HeaderSize];
        stream.ReadExactly(header);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
        if (magic != CheckpointHeader.VersionedExportMagic || version != Version)
        {
            throw new CheckpointException(path, magic != CheckpointHeader.VersionedExportMagic ? "magic" : "version", string.Create(CultureInfo.InvariantCulture,
                $"Checkpoint '{path}' is not a llama2.c int8 export: it starts with magic 0x{magic:x8} and version {version}, not \"ak42\" and {Version}."));
        }

        Span<int> f = stackalloc int[7];
        for (int i = 0; i < 7; i++)
        {
            f[i] = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8 + 4 * i));
        }

        byte sharedByte = header[36];
        int groupSize = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(37));
        var fields = new CheckpointHeader(f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
        if (sharedByte > 1)
        {
            throw new CheckpointException(path, "shared_classifier", $"llama2.c int8 checkpoint '{path}' has shared_classifier {sharedByte}; it must be 0 or 1.");
        }

        ModelShape shape;
        try
        {
            shape = new ModelShape(fields.Dim, fields.Layers, fields.Heads, fields.KvHeads, fields.SeqLen, fields.HiddenDim, fields.SignedVocab);
        }
        catch (ModelShapeException e)
        {
            throw new CheckpointException(path, e.Field, $"llama2.c int8 checkpoint '{path}' has an invalid header ({fields}): {e.Message}", e);
        }

        if (groupSize <= 0 || shape.Dim % groupSize != 0)
        {
            throw new CheckpointException(path, "group_size", string.Create(CultureInfo.InvariantCulture,
                $"llama2.c int8 checkpoint '{path}' has group_size {groupSize}; it must be positive and divide dim {shape.Dim}."));
        }

        bool shared = sharedByte == 1;
        var tensors = LlamaTensors.For(shape, shared);
        long normFloats = (2L * shape.Layers + 1) * shape.Dim;
        long expected = HeaderSize + normFloats * sizeof(float);
        foreach (var tensor in tensors)
        {
            if (tensor.IsVector)
            {
                continue;
            }

            if (tensor.Length % groupSize != 0)
            {
                throw new CheckpointException(path, "group_size", string.Create(CultureInfo.InvariantCulture,
                    $"llama2.c int8 checkpoint '{path}': tensor {tensor.Llama2CName} holds {tensor.Length} values per layer, not a multiple of group_size {groupSize}."));
            }

            expected += (tensor.PerLayer ? shape.Layers : 1) * (tensor.Length + (long)tensor.Length / groupSize * sizeof(float));
        }

        if (stream.Length != expected)
        {
            throw new CheckpointException(path, "file size", string.Create(CultureInfo.InvariantCulture,
                $"llama2.c int8 checkpoint '{path}' holds {stream.Length} bytes, but its header ({fields}, shared_classifier {sharedByte}, group_size {groupSize}) describes exactly {expected}: the file is {(stream.Length < expected ? "truncated" : "followed by extra bytes")}."));
        }

        long floats = LlamaWeights.PayloadLength(shape, shared);
        var buffer = CheckpointFiles.AllocateAlignedPayload(path, floats, out int start);
        var payload = buffer.AsSpan(start, (int)floats);
        payload.Clear();   // the legacy RoPE tables stay zero: nothing reads them
        var norms = new float[normFloats];
        stream.ReadExactly(MemoryMarshal.AsBytes(norms.AsSpan()));
        var byName = new Dictionary<string, LlamaTensor>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            byName[tensor.Llama2CName] = tensor;
        }

        int dim = shape.Dim;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            norms.AsSpan(layer * dim, dim).CopyTo(payload.Slice((int)byName["rms_att_weight"].OffsetOf(layer), dim));
            norms.AsSpan((shape.Layers + layer) * dim, dim).CopyTo(payload.Slice((int)byName["rms_ffn_weight"].OffsetOf(layer), dim));
        }

        norms.AsSpan(2 * shape.Layers * dim, dim).CopyTo(payload.Slice((int)byName["rms_final_weight"].Offset, dim));

        byte[] values = [];
        float[] scales = [];
        void Dequantized(LlamaTensor tensor, int layer)
        {
            int length = tensor.Length;
            if (values.Length != length)
            {
                values = new byte[length];
                scales = new float[length / groupSize];
            }

            stream.ReadExactly(values);
            stream.ReadExactly(MemoryMarshal.AsBytes(scales.AsSpan()));
            var target = buffer.AsSpan(start + (int)tensor.OffsetOf(layer), length);
            for (int i = 0; i < length; i++)
            {
                target[i] = (sbyte)values[i] * scales[i / groupSize];
            }
        }

        Dequantized(byName["token_embedding_table"], 0);
        foreach (var (_, name) in MatrixOrder)
        {
            for (int layer = 0; layer < shape.Layers; layer++)
            {
                Dequantized(byName[name], layer);
            }
        }

        if (!shared)
        {
            Dequantized(byName["wcls"], 0);
        }

        var weights = new LlamaWeights(shape, shared, buffer, start);
        return new ModelCheckpoint(path, CheckpointFormat.Llama2CInt8, weights, DecoderSettings.Llama2C, null,
            "a llama2.c checkpoint has no tokenizer inside; give one with --tokenizer",
            string.Create(CultureInfo.InvariantCulture, $"llama2.c int8 export (version 2, group_size {groupSize}), dequantized to F32 as runq.c does"));
    }
}
