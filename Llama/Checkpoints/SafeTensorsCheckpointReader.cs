using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Configuration;
using KernelGen.Decoding;
using KernelGen.IO;

namespace KernelGen.Checkpoints;

/// <summary>
/// Reads a Hugging Face Llama/Mistral checkpoint: <c>config.json</c> for the shape and settings
/// (through <see cref="HuggingFaceConfig"/>, the same reader the generator uses at build time) and
/// <c>model.safetensors</c>, or the shards a <c>model.safetensors.index.json</c> lists, for the
/// weights.
/// </summary>
/// <remarks>
/// Hugging Face stores Wq and Wk in the rotate-half rotary layout; the rows are kept as they are and
/// the decoder rotates (m, m + head_dim/2) pairs (<see cref="RopeLayout.RotateHalf"/>).
/// </remarks>
internal static class SafeTensorsCheckpointReader
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Most shard files one index may name (the largest public Llama, 405B, has 191).</summary>
    public const int MaxShards = 4096;

    /// <summary>Most bytes of an index file read (real ones are tens of kilobytes).</summary>
    public const long MaxIndexBytes = 64L << 20;

    public static ModelCheckpoint Load(string path)
    {
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        string configPath = Path.Combine(folder, ConfigFileName);
        var config = ReadConfig(configPath);
        var shards = OpenShards(path, folder);
        try
        {
            return Read(path, configPath, config, shards);
        }
        finally
        {
            foreach (var shard in shards.Values.Distinct())
            {
                shard.Dispose();
            }
        }
    }

    private static HuggingFaceConfig ReadConfig(string configPath)
    {
        string text;
        try
        {
            text = ReadText(configPath, "Hugging Face config", "file", MaxIndexBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(configPath, "file", $"Hugging Face config '{configPath}' was not found: a safetensors checkpoint needs its config.json beside the weights.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(configPath, "file", $"Hugging Face config '{configPath}' cannot be read: {e.Message}", e);
        }

        var config = HuggingFaceConfig.Parse(text, out var problems);
        if (config is null)
        {
            var first = problems[0];
            throw new CheckpointException(configPath, first.Key.Length > 0 ? first.Key : "config.json", string.Create(CultureInfo.InvariantCulture,
                $"Hugging Face config '{configPath}' line {first.Line}: {first.Message}."));
        }

        CheckpointException Unsupported(string key, string problem) => new(configPath, key, string.Create(CultureInfo.InvariantCulture,
            $"Hugging Face config '{configPath}' line {config.LineOf(key)}: {problem}."));

        if (config.ModelType is not null && config.ModelType is not ("llama" or "mistral"))
        {
            throw Unsupported("model_type", $"model_type is \"{config.ModelType}\"; KernelGen runs the Llama and Mistral families (\"llama\", \"mistral\")");
        }

        if (config.HiddenAct is not null && config.HiddenAct != "silu")
        {
            throw Unsupported("hidden_act", $"hidden_act is \"{config.HiddenAct}\"; the Llama feed-forward block is SwiGLU (\"silu\")");
        }

        if (config.HasRopeScaling)
        {
            throw Unsupported("rope_scaling", "rope_scaling is set; KernelGen supports plain RoPE only");
        }

        if (config.AttentionBias || config.MlpBias)
        {
            string key = config.AttentionBias ? "attention_bias" : "mlp_bias";
            throw Unsupported(key, key + " is true; the Llama projections KernelGen runs have no biases");
        }

        return config;
    }

    /// <summary>Tensor name → the file that holds it.</summary>
    private static Dictionary<string, SafeTensorsFile> OpenShards(string path, string folder)
    {
        var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        var opened = new List<SafeTensorsFile>();
        try
        {
            string indexPath = Path.Combine(folder, IndexFileName);
            string weightsPath = !Directory.Exists(path) && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? path : Path.Combine(folder, WeightsFileName);
            if (!File.Exists(weightsPath) && (File.Exists(indexPath) || path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var shardPath in ReadIndex(path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) ? path : indexPath, folder, out var weightMap))
                {
                    var shard = SafeTensorsFile.Open(shardPath);
                    opened.Add(shard);
                    foreach (var tensor in shard.Tensors)
                    {
                        if (weightMap.TryGetValue(tensor.Name, out string? listed) && Path.Combine(folder, listed) == shardPath)
                        {
                            byTensor[tensor.Name] = shard;
                        }
                    }
                }
            }
            else
            {
                if (!File.Exists(weightsPath))
                {
                    throw new CheckpointException(weightsPath, "file",
                        $"safetensors weights '{weightsPath}' were not found: the folder needs {WeightsFileName}, or {IndexFileName} and the shards it lists.");
                }

                var file = SafeTensorsFile.Open(weightsPath);
                opened.Add(file);
                foreach (var tensor in file.Tensors)
                {
                    byTensor[tensor.Name] = file;
                }
            }

            return byTensor;
        }
        catch
        {
            foreach (var file in opened)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static List<string> ReadIndex(string indexPath, string folder, out Dictionary<string, string> weightMap)
    {
        JsonValue root;
        try
        {
            root = JsonText.Parse(ReadText(indexPath, "safetensors index", "file", MaxIndexBytes));
        }
        catch (JsonFormatException e)
        {
            throw new CheckpointException(indexPath, "weight_map", string.Create(CultureInfo.InvariantCulture, $"safetensors index '{indexPath}' line {e.Line}: not valid JSON: {e.Reason}."), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(indexPath, "file", $"safetensors index '{indexPath}' cannot be read: {e.Message}", e);
        }

        var map = root.Get("weight_map");
        if (map is not { Kind: JsonKind.Object })
        {
            throw new CheckpointException(indexPath, "weight_map", $"safetensors index '{indexPath}' has no weight_map object.");
        }

        weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var shards = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in map.Members)
        {
            if (pair.Value.Kind != JsonKind.String || !IsShardFileName(pair.Value.Text!))
            {
                throw new CheckpointException(indexPath, "weight_map", string.Create(CultureInfo.InvariantCulture,
                    $"safetensors index '{indexPath}' line {pair.Value.Line}: weight_map[\"{pair.Key}\"] must name a shard file in the same folder (a file name without separators or control characters)."));
            }

            string shardName = pair.Value.Text!;
            weightMap[pair.Key] = shardName;
            if (seen.Add(shardName))
            {
                if (shards.Count == MaxShards)
                {
                    throw new CheckpointException(indexPath, "weight_map", string.Create(CultureInfo.InvariantCulture,
                        $"safetensors index '{indexPath}' line {pair.Value.Line}: weight_map names more than {MaxShards} shard files, the most KernelGen opens for one checkpoint."));
                }

                shards.Add(Path.Combine(folder, shardName));
            }
        }

        // Every shard must exist before any is opened, so a wrong index fails at once.
        foreach (string shard in shards)
        {
            if (!File.Exists(shard))
            {
                throw new CheckpointException(shard, "file",
                    $"safetensors shard '{shard}', listed in the weight_map of '{indexPath}', was not found.");
            }
        }

        return shards;
    }

    /// <summary>A small JSON file's text, read with a bound; a pipe, device or oversized file is a <see cref="CheckpointException"/>.</summary>
    private static string ReadText(string path, string kind, string field, long maxBytes)
    {
        var bytes = RegularFile.ReadAllBytes(path, maxBytes, problem => new CheckpointException(path, field, $"{kind} {problem}"));
        return new UTF8Encoding(false).GetString(bytes);
    }

    private static bool IsShardFileName(string name) =>
        name.Length is > 0 and <= 255 && name is not ("." or "..") && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    private static ModelCheckpoint Read(string path, string configPath, HuggingFaceConfig config, Dictionary<string, SafeTensorsFile> tensors)
    {
        ModelShape shape;
        try
        {
            shape = new ModelShape(config.Dim, config.Layers, config.Heads, config.KvHeads, config.MaxSeqLen, config.HiddenDim, config.Vocab);
        }
        catch (ModelShapeException e)
        {
            string key = HuggingFaceConfig.KeyOf(e.Field);
            throw new CheckpointException(configPath, key, string.Create(CultureInfo.InvariantCulture,
                $"Hugging Face config '{configPath}' line {config.LineOf(key)}: {key} describes an invalid shape: {e.Message}"), e);
        }

        bool hasClassifier = tensors.ContainsKey("lm_head.weight");
        if (!hasClassifier && !config.TieWordEmbeddings)
        {
            throw new CheckpointException(path, "lm_head.weight",
                $"safetensors checkpoint '{path}' has no lm_head.weight, and its config does not set tie_word_embeddings: the classifier is missing.");
        }

        string At(string key) => string.Create(CultureInfo.InvariantCulture, $"Hugging Face config '{configPath}' line {config.LineOf(key)}");
        foreach (var (key, value) in new[] { ("intermediate_size", shape.HiddenDim), ("vocab_size", shape.Vocab) })
        {
            if (value <= 0)
            {
                throw new CheckpointException(configPath, key, string.Create(CultureInfo.InvariantCulture,
                    $"{At(key)}: {key} is {value}; a decoder needs a feed-forward block and a vocabulary, so it must be positive."));
            }
        }

        float theta = CheckpointRules.RopeTheta(configPath, "rope_theta", At("rope_theta"), config.RopeTheta);
        float epsilon = CheckpointRules.Epsilon(configPath, "rms_norm_eps", At("rms_norm_eps"), config.RmsNormEpsilon);
        bool shared = config.TieWordEmbeddings;
        var layout = CheckpointRules.Tensors(configPath, "num_hidden_layers, intermediate_size", At("num_hidden_layers"), shape, shared, out long floats);

        // Every tensor is found and its shape checked before the payload is allocated, so a config
        // claiming a huge model beside small shards fails having allocated nothing for it.
        var found = new List<(SafeTensorsFile File, SafeTensorInfo Info, LlamaTensor Tensor, int Layer)>();
        foreach (var tensor in layout)
        {
            for (int layer = 0; layer < (tensor.PerLayer ? shape.Layers : 1); layer++)
            {
                string name = tensor.HuggingFace(layer);
                if (!tensors.TryGetValue(name, out var file))
                {
                    throw new CheckpointException(path, name, $"safetensors checkpoint '{path}' has no tensor {name} ({tensor.Llama2CName}).");
                }

                var info = file.FindTensor(name)!;
                long[] expected = tensor.IsVector ? [tensor.Columns] : [tensor.Rows, tensor.Columns];
                if (!info.Shape.SequenceEqual(expected))
                {
                    throw new CheckpointException(file.FilePath, name,
                        $"safetensors file '{file.FilePath}': tensor {name} has shape {info.ShapeText}, but the config's shape ({shape}) needs [{string.Join(", ", expected)}].");
                }

                found.Add((file, info, tensor, layer));
            }
        }

        CheckpointRules.CheckContext(configPath, "max_position_embeddings", At("max_position_embeddings"), shape, floats);
        var buffer = CheckpointFiles.AllocateAlignedPayload(path, floats, out int start);
        var payload = buffer.AsSpan(start, (int)floats);
        payload.Clear();
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (file, info, tensor, layer) in found)
        {
            file.ReadTensor(info, payload.Slice((int)tensor.OffsetOf(layer), tensor.Length));
            types.Add(info.DType);
        }

        var settings = new DecoderSettings
        {
            RopeTheta = theta,
            RmsNormEpsilon = epsilon,
            RopeLayout = RopeLayout.RotateHalf,
            SlidingWindow = config.SlidingWindow,
        };
        var weights = new LlamaWeights(shape, shared, buffer, start);
        int files = tensors.Values.Distinct().Count();
        string description = string.Create(CultureInfo.InvariantCulture,
            $"safetensors, {files} file{(files == 1 ? "" : "s")} ({string.Join("/", types)}{(types.Any(t => t != "F32") ? " widened to F32" : "")}), {config.ModelType ?? "llama"} config");
        return new ModelCheckpoint(path, CheckpointFormat.SafeTensors, weights, settings, null,
            "a Hugging Face folder's tokenizer.json is not read; give a llama2.c tokenizer file with --tokenizer", description);
    }
}
