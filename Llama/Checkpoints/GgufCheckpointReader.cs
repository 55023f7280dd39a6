using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using KernelGen.Decoding;
using KernelGen.Quantization;
using KernelGen.Tokenization;

namespace KernelGen.Checkpoints;

/// <summary>
/// Reads a <c>llama</c>-architecture GGUF file into a <see cref="ModelCheckpoint"/>: shape and
/// settings from the metadata, every tensor checked against the shape and copied (F16/BF16 widened)
/// into the llama2.c payload order, and the embedded SentencePiece vocabulary as a
/// <see cref="LlamaTokenizer"/>.
/// </summary>
/// <remarks>
/// GGUF keeps Wq and Wk in the interleaved rotary layout, as llama2.c does (llama.cpp's converter
/// permutes Hugging Face's rows back), so the rows are copied unchanged and the decoder rotates
/// interleaved pairs, exactly as for the llama2.c file of the same weights.
/// </remarks>
internal static class GgufCheckpointReader
{
    /// <summary>SentencePiece's visible space, U+2581, which GGUF vocabularies use for ' '.</summary>
    public const string SentencePieceSpace = "\u2581";

    /// <summary>Reads the file; quantized matrices stay quantized unless <paramref name="keepQuantized"/> is false (then every tensor is dequantized to float32, the reference the quantized kernels are tested against).</summary>
    public static ModelCheckpoint Load(string path, bool keepQuantized = true)
    {
        using var file = GgufFile.Open(path);
        var metadata = new GgufMetadata(file);
        string architecture = metadata.String("general.architecture", required: true)!;
        if (architecture != "llama")
        {
            throw metadata.Error("general.architecture", $"general.architecture is \"{architecture}\"; KernelGen runs the \"llama\" architecture (Llama, Mistral, TinyLlama and other models llama.cpp converts to it)");
        }

        int dim = metadata.Int("llama.embedding_length");
        int layers = metadata.Int("llama.block_count");
        int heads = metadata.Int("llama.attention.head_count");
        int kvHeads = metadata.Int("llama.attention.head_count_kv", fallback: heads);
        int context = metadata.Int("llama.context_length");
        int hidden = metadata.Int("llama.feed_forward_length");
        string where = $"GGUF file '{path}'";
        float epsilon = CheckpointRules.Epsilon(path, "llama.attention.layer_norm_rms_epsilon", where, metadata.Float("llama.attention.layer_norm_rms_epsilon", fallback: null));
        float theta = CheckpointRules.RopeTheta(path, "llama.rope.freq_base", where, metadata.Float("llama.rope.freq_base", fallback: 10000f));
        int window = metadata.Int("llama.attention.sliding_window", fallback: 0);
        if (heads > 0 && dim % heads == 0 && metadata.Has("llama.rope.dimension_count") && metadata.Int("llama.rope.dimension_count") != dim / heads)
        {
            throw metadata.Error("llama.rope.dimension_count", string.Create(CultureInfo.InvariantCulture,
                $"llama.rope.dimension_count is {metadata.Int("llama.rope.dimension_count")}, but head_dim is {dim / heads}; KernelGen rotates whole heads (partial rotary embedding is not supported)"));
        }

        string? scaling = metadata.String("llama.rope.scaling.type", required: false);
        if ((scaling is not null && scaling != "none") || file.FindTensor("rope_freqs.weight") is not null)
        {
            throw metadata.Error(scaling is not null ? "llama.rope.scaling.type" : "rope_freqs.weight",
                "the model scales its rotary frequencies (" + (scaling ?? "rope_freqs.weight") + "); KernelGen supports plain RoPE only");
        }

        var embedding = file.FindTensor("token_embd.weight")
            ?? throw metadata.Error("token_embd.weight", "the tensor token_embd.weight (the token embedding) is missing");
        if (embedding.Dimensions.Count != 2 || embedding.Dimensions[0] != dim)
        {
            throw metadata.Error("token_embd.weight", $"tensor token_embd.weight has dimensions {embedding.DimensionsText}, but llama.embedding_length {dim} needs [{dim}, vocab]");
        }

        int vocab = (int)embedding.Dimensions[1];
        if (metadata.Has("llama.vocab_size") && metadata.Int("llama.vocab_size") != vocab)
        {
            throw metadata.Error("llama.vocab_size", $"llama.vocab_size is {metadata.Int("llama.vocab_size")}, but token_embd.weight has {vocab} rows");
        }

        ModelShape shape;
        try
        {
            shape = new ModelShape(dim, layers, heads, kvHeads, context, hidden, vocab);
        }
        catch (ModelShapeException e)
        {
            string key = KeyOf(e.Field);
            throw metadata.Error(key, $"{key} describes an invalid shape: {e.Message}", e);
        }

        bool shared = file.FindTensor("output.weight") is null;
        var tensors = CheckpointRules.Tensors(path, "llama.block_count, llama.feed_forward_length", where, shape, shared, out long floats);
        var settings = new DecoderSettings { RopeTheta = theta, RmsNormEpsilon = epsilon, RopeLayout = RopeLayout.Interleaved, SlidingWindow = window };
        string? chatTemplate = metadata.String("tokenizer.chat_template", required: false);

        // Every tensor is found and its dimensions checked before the payload is allocated: a small
        // file whose metadata claims a huge model fails here, having allocated nothing for it.
        var infos = new List<(GgufTensorInfo Info, LlamaTensor Tensor, int Layer)>();
        foreach (var tensor in tensors)
        {
            for (int layer = 0; layer < (tensor.PerLayer ? layers : 1); layer++)
            {
                CheckTensor(file, metadata, shape, tensor, layer);
                infos.Add((file.FindTensor(tensor.Gguf(layer))!, tensor, layer));
            }
        }

        CheckpointRules.CheckContext(path, "llama.context_length", where, shape, floats);
        if (keepQuantized && file.Tensors.Any(t => QuantizedBlocks.IsQuantized(t.Type)))
        {
            var quantizedWeights = ReadQuantized(file, shape, tensors, out var counts);
            var quantizedTokenizer = ReadTokenizer(file, metadata, vocab, out string? quantizedProblem);
            string summary = string.Create(CultureInfo.InvariantCulture, $"GGUF v{file.Version}, {file.Tensors.Count} tensors, weights {TypeSummary(counts)}, kept quantized");
            return new ModelCheckpoint(path, CheckpointFormat.Gguf, quantizedWeights, settings, quantizedTokenizer, quantizedProblem, summary)
            {
                ChatTemplate = chatTemplate,
            };
        }

        var buffer = CheckpointFiles.AllocateAlignedPayload(path, floats, out int start);
        var payload = buffer.AsSpan(start, (int)floats);
        payload.Clear();   // the legacy RoPE tables' slots stay zero: nothing reads them
        var used = new HashSet<GgufTensorType>();
        foreach (var (info, tensor, layer) in infos)
        {
            file.ReadTensor(info, payload.Slice((int)tensor.OffsetOf(layer), tensor.Length));
            used.Add(info.Type);
        }

        var weights = new LlamaWeights(shape, shared, buffer, start);
        var tokenizer = ReadTokenizer(file, metadata, vocab, out string? problem);
        string types = string.Join("/", used.Select(t => t.ToString()).Order(StringComparer.Ordinal));
        string description = string.Create(CultureInfo.InvariantCulture,
            $"GGUF v{file.Version}, {file.Tensors.Count} tensors ({types}{(used.Any(t => t != GgufTensorType.F32) ? (used.Any(QuantizedBlocks.IsQuantized) ? " dequantized to F32" : " widened to F32") : "")})");
        return new ModelCheckpoint(path, CheckpointFormat.Gguf, weights, settings, tokenizer, problem, description)
        {
            ChatTemplate = chatTemplate,
        };
    }

    /// <summary>Checks that <paramref name="tensor"/>'s layer <paramref name="layer"/> exists with the shape's dimensions.</summary>
    private static void CheckTensor(GgufFile file, GgufMetadata metadata, ModelShape shape, LlamaTensor tensor, int layer)
    {
        string name = tensor.Gguf(layer);
        var info = file.FindTensor(name)
            ?? throw metadata.Error(name, $"the tensor {name} ({tensor.Llama2CName}) is missing");
        long[] expected = tensor.IsVector ? [tensor.Columns] : [tensor.Columns, tensor.Rows];
        if (!info.Dimensions.SequenceEqual(expected))
        {
            throw metadata.Error(name, $"tensor {name} has dimensions {info.DimensionsText}, but the model's shape ({shape}) needs [{string.Join(", ", expected)}]");
        }

        if (tensor.IsVector && info.Type is not (GgufTensorType.F32 or GgufTensorType.F16 or GgufTensorType.BF16))
        {
            throw metadata.Error(name, $"tensor {name} ({tensor.Llama2CName}) is {info.Type}; norm weights must be F32, F16 or BF16");
        }
    }

    /// <summary>
    /// A quantized model: norm weights read as floats, every matrix read into a
    /// <see cref="QuantizedMatrix"/> in its stored encoding (F16/BF16 matrices widened to F32), so
    /// memory holds about the file's bytes and no float32 copy of a quantized matrix ever exists.
    /// </summary>
    private static LlamaWeights ReadQuantized(GgufFile file, ModelShape shape, List<LlamaTensor> tensors, out SortedDictionary<string, int> counts)
    {
        int dim = shape.Dim, layers = shape.Layers;
        var norms = new float[(2L * layers + 1) * dim];
        var matrices = new QuantizedMatrix[LlamaWeights.MatrixKinds * layers];
        QuantizedMatrix? embedding = null, classifier = null;
        counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            for (int layer = 0; layer < (tensor.PerLayer ? layers : 1); layer++)
            {
                var info = file.FindTensor(tensor.Gguf(layer))!;
                string typeName = info.Type.ToString();
                counts[typeName] = counts.GetValueOrDefault(typeName) + 1;
                switch (tensor.Llama2CName)
                {
                    case "rms_att_weight": file.ReadTensor(info, norms.AsSpan(layer * dim, dim)); continue;
                    case "rms_ffn_weight": file.ReadTensor(info, norms.AsSpan((layers + layer) * dim, dim)); continue;
                    case "rms_final_weight": file.ReadTensor(info, norms.AsSpan(2 * layers * dim, dim)); continue;
                }

                var matrix = ReadMatrix(file, info, tensor.Rows, tensor.Columns);
                switch (tensor.Llama2CName)
                {
                    case "token_embedding_table": embedding = matrix; break;
                    case "wcls": classifier = matrix; break;
                    default: matrices[(int)KindOf(tensor.Llama2CName) * layers + layer] = matrix; break;
                }
            }
        }

        return new LlamaWeights(shape, norms, embedding!, classifier, matrices);
    }

    /// <summary>One matrix's stored bytes, checked against its block layout; F16/BF16 widened to F32.</summary>
    private static QuantizedMatrix ReadMatrix(GgufFile file, GgufTensorInfo info, int rows, int columns)
    {
        bool widen = info.Type is GgufTensorType.F16 or GgufTensorType.BF16;
        var matrix = new QuantizedMatrix(widen ? GgufTensorType.F32 : info.Type, rows, columns);
        if (widen)
        {
            file.ReadTensor(info, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(matrix.Bytes));
            return matrix;
        }

        if (matrix.ByteLength != info.ByteLength)
        {
            throw new CheckpointException(file.FilePath, info.Name, string.Create(CultureInfo.InvariantCulture,
                $"GGUF file '{file.FilePath}': tensor {info.Name} ({info.Type} {info.DimensionsText}) takes {info.ByteLength} bytes in the file, but [{rows}][{columns}] {info.Type} needs {matrix.ByteLength}."));
        }

        file.ReadTensorBytes(info, matrix.Bytes);
        if (!BitConverter.IsLittleEndian && info.Type == GgufTensorType.F32)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(matrix.Bytes);
            System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words, words);
        }

        return matrix;
    }

    private static LlamaMatrix KindOf(string llama2CName) => llama2CName switch
    {
        "wq" => LlamaMatrix.Query,
        "wk" => LlamaMatrix.Key,
        "wv" => LlamaMatrix.Value,
        "wo" => LlamaMatrix.Output,
        "w1" => LlamaMatrix.Gate,
        "w2" => LlamaMatrix.Down,
        "w3" => LlamaMatrix.Up,
        _ => throw new ArgumentOutOfRangeException(nameof(llama2CName), llama2CName, "Not a per-layer matrix."),
    };

    /// <summary>"Q4_K (169 tensors), Q6_K (25), F32 (61)": the most common type first.</summary>
    internal static string TypeSummary(IEnumerable<KeyValuePair<string, int>> counts)
    {
        var ordered = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        return string.Join(", ", ordered.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"{c.Key} ({c.Value}{(i == 0 ? " tensors" : "")})")));
    }

    /// <summary>The embedded SentencePiece ("llama") vocabulary, or null with the reason it cannot be used.</summary>
    private static LlamaTokenizer? ReadTokenizer(GgufFile file, GgufMetadata metadata, int vocab, out string? problem)
    {
        problem = null;
        string? model = metadata.String("tokenizer.ggml.model", required: false);
        if (!file.Metadata.TryGetValue("tokenizer.ggml.tokens", out var tokensValue))
        {
            problem = $"GGUF file '{file.FilePath}' has no tokenizer.ggml.tokens";
            return null;
        }

        if (model is not null && model != "llama")
        {
            problem = $"GGUF file '{file.FilePath}' has a \"{model}\" tokenizer (tokenizer.ggml.model); KernelGen's tokenizer runs SentencePiece (\"llama\") vocabularies";
            return null;
        }

        if (tokensValue.Value is not string[] tokens)
        {
            throw metadata.Error("tokenizer.ggml.tokens", $"tokenizer.ggml.tokens is {tokensValue.TypeName}; it must be array[string]");
        }

        if (tokens.Length != vocab)
        {
            throw metadata.Error("tokenizer.ggml.tokens", $"tokenizer.ggml.tokens has {tokens.Length} tokens, but token_embd.weight has {vocab} rows");
        }

        float[] scores = new float[vocab];
        if (file.Metadata.TryGetValue("tokenizer.ggml.scores", out var scoresValue))
        {
            if (scoresValue.Value is not float[] stored || stored.Length != vocab)
            {
                throw metadata.Error("tokenizer.ggml.scores", $"tokenizer.ggml.scores is {scoresValue}; it must be array[float32] of {vocab} scores, one per token");
            }

            scores = stored;
        }

        foreach (var (key, expected) in new[] { ("tokenizer.ggml.bos_token_id", LlamaTokenizer.BosId), ("tokenizer.ggml.eos_token_id", LlamaTokenizer.EosId), ("tokenizer.ggml.unknown_token_id", LlamaTokenizer.UnknownId) })
        {
            if (metadata.Has(key) && metadata.Int(key, allowZero: true) != expected)
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"GGUF file '{file.FilePath}' has {key} {metadata.Int(key, allowZero: true)}; KernelGen's tokenizer expects the SentencePiece layout (<unk> 0, BOS 1, EOS 2)");
                return null;
            }
        }

        var pieces = new byte[vocab][];
        for (int id = 0; id < vocab; id++)
        {
            pieces[id] = Encoding.UTF8.GetBytes(tokens[id].Replace(SentencePieceSpace, " ", StringComparison.Ordinal));
        }

        return LlamaTokenizer.Create(file.FilePath, pieces, scores);
    }

    private static string KeyOf(string shapeField) => shapeField switch
    {
        "Dim" => "llama.embedding_length",
        "Layers" => "llama.block_count",
        "Heads" => "llama.attention.head_count",
        "KvHeads" => "llama.attention.head_count_kv",
        "MaxSeqLen" => "llama.context_length",
        "HiddenDim" => "llama.feed_forward_length",
        "Vocab" => "token_embd.weight",
        _ => shapeField,
    };
}
