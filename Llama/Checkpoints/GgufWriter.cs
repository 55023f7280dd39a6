using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using KernelGen.Decoding;
using KernelGen.Tokenization;

namespace KernelGen.Checkpoints;

/// <summary>
/// Writes any checkpoint the runtime can load as a GGUF v3 file of the <c>llama</c> architecture
/// that llama.cpp loads: the hyperparameters llama.cpp requires, a SentencePiece ("llama")
/// vocabulary with scores, token types and special ids, and the tensors under llama.cpp's names,
/// in F32 (or F16/BF16).
/// </summary>
/// <remarks>
/// Wq and Wk are written in the interleaved rotary layout that GGUF's <c>llama</c> architecture
/// uses: as they are for llama2.c and GGUF sources, reordered from rotate-half for a Hugging Face
/// source (<see cref="RopePermutation"/>).
/// </remarks>
public static class GgufWriter
{
    /// <summary>The alignment written in <c>general.alignment</c> (GGUF's default).</summary>
    public const int Alignment = 32;

    // llama.cpp's token types (tokenizer.ggml.token_type).
    private const int NormalToken = 1, UnknownToken = 2, ControlToken = 3, ByteToken = 6;

    /// <summary>Writes <paramref name="checkpoint"/> with <paramref name="tokenizer"/> (its own when null) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">There is no tokenizer, or its vocabulary differs from the model's.</exception>
    public static void Write(string path, ModelCheckpoint checkpoint, LlamaTokenizer? tokenizer = null, GgufTensorType type = GgufTensorType.F32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        tokenizer ??= checkpoint.Tokenizer ?? throw new ArgumentException(
            $"The checkpoint '{checkpoint.FilePath}' has no tokenizer ({checkpoint.TokenizerProblem}); pass one.", nameof(tokenizer));
        Write(path, checkpoint.Weights, checkpoint.Settings, tokenizer, type);
    }

    /// <summary>Writes <paramref name="weights"/> with their decoder settings and tokenizer to <paramref name="path"/> as GGUF v3.</summary>
    /// <param name="path">The file to create (overwritten if it exists).</param>
    /// <param name="weights">The model's parameters.</param>
    /// <param name="settings">Rotary base and layout, epsilon, sliding window.</param>
    /// <param name="tokenizer">The vocabulary to embed; its size must be the model's.</param>
    /// <param name="type">The tensors' element type: F32 (exact), F16 or BF16 (rounded to nearest even).</param>
    /// <param name="name">The model's name (<c>general.name</c>).</param>
    /// <param name="chatTemplate">A prompt template to store as <c>tokenizer.chat_template</c>, or null for none.</param>
    public static void Write(string path, LlamaWeights weights, DecoderSettings settings, LlamaTokenizer tokenizer, GgufTensorType type = GgufTensorType.F32, string name = "kernelgen-export",
        string? chatTemplate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var shape = weights.Shape;
        if (tokenizer.VocabSize != shape.Vocab)
        {
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabSize} tokens, the model {shape.Vocab}.", nameof(tokenizer));
        }

        var tensors = OrderedTensors(shape, weights.SharedClassifier);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        var metadata = Metadata(shape, settings, tokenizer, type, name, chatTemplate);

        writer.Write(GgufFile.Magic);
        writer.Write(3u);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var (key, write) in metadata)
        {
            WriteString(writer, key);
            write(writer);
        }

        long offset = 0;
        foreach (var (tensor, layer) in tensors)
        {
            WriteString(writer, tensor.Gguf(layer));
            if (tensor.IsVector)
            {
                writer.Write(1u);
                writer.Write((ulong)tensor.Columns);
            }
            else
            {
                writer.Write(2u);
                writer.Write((ulong)tensor.Columns);   // ggml order: the contiguous dimension first
                writer.Write((ulong)tensor.Rows);
            }

            // Norm weights stay float32 whatever the matrices are, as llama.cpp's converters write
            // them: its CPU kernels multiply an f32 activation by an f32 norm weight only.
            var tensorType = TypeOf(tensor, type);
            writer.Write((uint)tensorType);
            writer.Write((ulong)offset);
            offset = Align(offset + (long)tensor.Length * GgufFile.ElementBytes(tensorType));
        }

        Pad(writer);
        var scratch = new float[tensors.Count == 0 ? 0 : MaxLength(tensors)];
        foreach (var (tensor, layer) in tensors)
        {
            var values = weights.Payload.Slice((int)tensor.OffsetOf(layer), tensor.Length);
            if (tensor.RopeHeads > 0 && settings.RopeLayout == RopeLayout.RotateHalf)
            {
                var reordered = scratch.AsSpan(0, tensor.Length);
                RopePermutation.ToInterleaved(values, reordered, tensor.RopeHeads, tensor.Columns);
                values = reordered;
            }

            WriteValues(writer, values, TypeOf(tensor, type));
            Pad(writer);
        }
    }

    /// <summary>The stored type of <paramref name="tensor"/>: the file's for matrices, float32 for vectors (norm weights).</summary>
    private static GgufTensorType TypeOf(LlamaTensor tensor, GgufTensorType type) => tensor.IsVector ? GgufTensorType.F32 : type;

    /// <summary>llama.cpp's usual order: the embedding, each block's tensors, then the final norm and classifier.</summary>
    private static List<(LlamaTensor Tensor, int Layer)> OrderedTensors(ModelShape shape, bool shared)
    {
        var all = LlamaTensors.For(shape, shared);
        var ordered = new List<(LlamaTensor, int)> { (all[0], 0) };
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            foreach (var tensor in all)
            {
                if (tensor.PerLayer)
                {
                    ordered.Add((tensor, layer));
                }
            }
        }

        foreach (var tensor in all.GetRange(1, all.Count - 1))
        {
            if (!tensor.PerLayer)
            {
                ordered.Add((tensor, 0));
            }
        }

        return ordered;
    }

    private static List<(string Key, Action<BinaryWriter> Write)> Metadata(ModelShape shape, DecoderSettings settings, LlamaTokenizer tokenizer, GgufTensorType type, string name, string? chatTemplate)
    {
        int vocab = tokenizer.VocabSize;
        var tokens = new string[vocab];
        var scores = new float[vocab];
        var types = new int[vocab];
        for (int id = 0; id < vocab; id++)
        {
            var piece = tokenizer.Piece(id);
            tokens[id] = Encoding.UTF8.GetString(piece).Replace(" ", GgufCheckpointReader.SentencePieceSpace, StringComparison.Ordinal);
            scores[id] = tokenizer.Score(id);
            types[id] = id switch
            {
                LlamaTokenizer.UnknownId => UnknownToken,
                LlamaTokenizer.BosId or LlamaTokenizer.EosId => ControlToken,
                _ => LlamaTokenizer.TryParseByteToken(piece, out _) ? ByteToken : NormalToken,
            };
        }

        var pairs = new List<(string, Action<BinaryWriter>)>
        {
            ("general.architecture", w => WriteStringValue(w, "llama")),
            ("general.name", w => WriteStringValue(w, name)),
            ("general.alignment", w => WriteUInt32(w, Alignment)),
            ("general.file_type", w => WriteUInt32(w, type switch { GgufTensorType.F32 => 0u, GgufTensorType.F16 => 1u, _ => 32u })),
            ("llama.vocab_size", w => WriteUInt32(w, (uint)shape.Vocab)),
            ("llama.context_length", w => WriteUInt32(w, (uint)shape.MaxSeqLen)),
            ("llama.embedding_length", w => WriteUInt32(w, (uint)shape.Dim)),
            ("llama.block_count", w => WriteUInt32(w, (uint)shape.Layers)),
            ("llama.feed_forward_length", w => WriteUInt32(w, (uint)shape.HiddenDim)),
            ("llama.rope.dimension_count", w => WriteUInt32(w, (uint)shape.HeadDim)),
            ("llama.rope.freq_base", w => WriteFloat32(w, settings.RopeTheta)),
            ("llama.attention.head_count", w => WriteUInt32(w, (uint)shape.Heads)),
            ("llama.attention.head_count_kv", w => WriteUInt32(w, (uint)shape.KvHeads)),
            ("llama.attention.layer_norm_rms_epsilon", w => WriteFloat32(w, settings.RmsNormEpsilon)),
            ("tokenizer.ggml.model", w => WriteStringValue(w, "llama")),
            ("tokenizer.ggml.tokens", w => WriteArray(w, GgufValueType.String, tokens.Length, i => WriteString(w, tokens[i]))),
            ("tokenizer.ggml.scores", w => WriteArray(w, GgufValueType.Float32, scores.Length, i => w.Write(scores[i]))),
            ("tokenizer.ggml.token_type", w => WriteArray(w, GgufValueType.Int32, types.Length, i => w.Write(types[i]))),
            ("tokenizer.ggml.bos_token_id", w => WriteUInt32(w, LlamaTokenizer.BosId)),
            ("tokenizer.ggml.eos_token_id", w => WriteUInt32(w, LlamaTokenizer.EosId)),
            ("tokenizer.ggml.unknown_token_id", w => WriteUInt32(w, LlamaTokenizer.UnknownId)),
            ("tokenizer.ggml.add_bos_token", w => WriteBool(w, true)),
            ("tokenizer.ggml.add_eos_token", w => WriteBool(w, false)),
        };
        if (chatTemplate is not null)
        {
            pairs.Add(("tokenizer.chat_template", w => WriteStringValue(w, chatTemplate)));
        }

        if (settings.SlidingWindow > 0)
        {
            pairs.Add(("llama.attention.sliding_window", w => WriteUInt32(w, (uint)settings.SlidingWindow)));
        }

        return pairs;
    }

    private static void WriteValues(BinaryWriter writer, ReadOnlySpan<float> values, GgufTensorType type)
    {
        if (type == GgufTensorType.F32 && BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        foreach (float value in values)
        {
            switch (type)
            {
                case GgufTensorType.F32:
                    writer.Write(value);
                    break;
                case GgufTensorType.F16:
                    writer.Write(BitConverter.HalfToUInt16Bits((Half)value));
                    break;
                default:
                    writer.Write(ToBFloat16(value));
                    break;
            }
        }
    }

    /// <summary>float32 → bfloat16, rounding to nearest even (NaN stays NaN).</summary>
    internal static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static int MaxLength(List<(LlamaTensor Tensor, int Layer)> tensors)
    {
        int max = 0;
        foreach (var (tensor, _) in tensors)
        {
            max = Math.Max(max, tensor.Length);
        }

        return max;
    }

    private static long Align(long offset) => offset + (Alignment - offset % Alignment) % Alignment;

    private static void Pad(BinaryWriter writer)
    {
        writer.Flush();
        long position = writer.BaseStream.Position;
        for (long i = position; i < Align(position); i++)
        {
            writer.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteStringValue(BinaryWriter writer, string text)
    {
        writer.Write((uint)GgufValueType.String);
        WriteString(writer, text);
    }

    private static void WriteUInt32(BinaryWriter writer, uint value)
    {
        writer.Write((uint)GgufValueType.UInt32);
        writer.Write(value);
    }

    private static void WriteUInt32(BinaryWriter writer, int value) => WriteUInt32(writer, (uint)value);

    private static void WriteFloat32(BinaryWriter writer, float value)
    {
        writer.Write((uint)GgufValueType.Float32);
        writer.Write(value);
    }

    private static void WriteBool(BinaryWriter writer, bool value)
    {
        writer.Write((uint)GgufValueType.Bool);
        writer.Write((byte)(value ? 1 : 0));
    }

    private static void WriteArray(BinaryWriter writer, GgufValueType elementType, int count, Action<int> writeElement)
    {
        writer.Write((uint)GgufValueType.Array);
        writer.Write((uint)elementType);
        writer.Write((ulong)count);
        for (int i = 0; i < count; i++)
        {
            writeElement(i);
        }
    }
}
