using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using KernelGen.Configuration;
using KernelGen.Decoding;

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
            text = File.ReadAllText(configPath);
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
            root = JsonText.Parse(File.ReadAllText(indexPath));
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
        foreach (var pair in map.Members)
        {
            if (pair.Value.Kind != JsonKind.String || pair.Value.Text!.Contains('/', StringComparison.Ordinal) || pair.Value.Text.Contains('\\', StringComparison.Ordinal))
            {
                throw new CheckpointException(indexPath, "weight_map", string.Create(CultureInfo.InvariantCulture,
                    $"safetensors index '{indexPath}' line {pair.Value.Line}: weight_map[\"{pair.Key}\"] must name a shard file in the same folder."));
            }

            weightMap[pair.Key] = pair.Value.Text;
            string shard = Path.Combine(folder, pair.Value.Text);
            if (!shards.Contains(shard))
            {
                shards.Add(shard);
            }
        }

        return shards;
    }

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

        bool shared = config.TieWordEmbeddings;
        var layout = LlamaTensors.For(shape, shared);
        long floats = LlamaWeights.PayloadLength(shape, shared);
        var buffer = CheckpointFiles.AllocateAlignedPayload(path, floats, out int start);
        var payload = buffer.AsSpan(start, (int)floats);
        payload.Clear();
        var types = new SortedSet<string>(StringComparer.Ordinal);
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

                file.ReadTensor(info, payload.Slice((int)tensor.OffsetOf(layer), tensor.Length));
                types.Add(info.DType);
            }
        }

        var settings = new DecoderSettings
        {
            RopeTheta = (float)config.RopeTheta,
            RmsNormEpsilon = (float)config.RmsNormEpsilon,
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
