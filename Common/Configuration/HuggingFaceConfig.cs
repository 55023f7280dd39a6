using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Configuration;

/// <summary>
/// A Hugging Face <c>config.json</c> of a Llama- or Mistral-family model, read for its shape and the
/// numbers a decoder needs. Linked into both the generator (which specializes kernels from it at
/// build time) and the runtime (which loads safetensors checkpoints beside it), so both read a
/// config file with the same code and the same words.
/// </summary>
/// <remarks>
/// Keys read: <c>hidden_size</c>, <c>num_hidden_layers</c>, <c>num_attention_heads</c>,
/// <c>num_key_value_heads</c> (defaults to the heads: MHA), <c>intermediate_size</c>,
/// <c>vocab_size</c>, <c>max_position_embeddings</c>, <c>sliding_window</c> (with
/// <c>use_sliding_window</c>), <c>rope_theta</c>, <c>rms_norm_eps</c>, <c>tie_word_embeddings</c>,
/// <c>head_dim</c>, <c>rope_scaling</c>, <c>hidden_act</c>, <c>attention_bias</c>, <c>mlp_bias</c>,
/// <c>model_type</c>. Other keys are ignored.
/// </remarks>
internal sealed class HuggingFaceConfig
{
    /// <summary>KG0047: the config file named by the attribute is not among the AdditionalFiles.</summary>
    public const string FileMissing = "KG0047";

    /// <summary>KG0048: the config file is not valid JSON, or a key is missing or has the wrong type or range.</summary>
    public const string Malformed = "KG0048";

    /// <summary>KG0049: an attribute argument differs from the config file's value.</summary>
    public const string ContradictsAttribute = "KG0049";

    /// <summary>The config key behind each shape property of <c>[TransformerModel]</c>, in attribute order.</summary>
    public static readonly KeyValuePair<string, string>[] ShapeKeys =
    {
        new("Dim", "hidden_size"),
        new("Layers", "num_hidden_layers"),
        new("Heads", "num_attention_heads"),
        new("KvHeads", "num_key_value_heads"),
        new("HiddenDim", "intermediate_size"),
        new("Vocab", "vocab_size"),
        new("MaxSeqLen", "max_position_embeddings"),
    };

    private readonly Dictionary<string, int> _lines = new();

    private HuggingFaceConfig()
    {
    }

    public int Dim { get; private set; }

    public int Layers { get; private set; }

    public int Heads { get; private set; }

    /// <summary><c>num_key_value_heads</c>, or the heads when it is absent or null.</summary>
    public int KvHeads { get; private set; }

    public int HiddenDim { get; private set; }

    public int Vocab { get; private set; }

    public int MaxSeqLen { get; private set; }

    /// <summary>The sliding window (keys per query, itself included), 0 for none.</summary>
    public int SlidingWindow { get; private set; }

    public double RopeTheta { get; private set; } = 10000;

    /// <summary><c>rms_norm_eps</c>; Hugging Face's LlamaConfig default is 1e-6.</summary>
    public double RmsNormEpsilon { get; private set; } = 1e-6;

    public bool TieWordEmbeddings { get; private set; }

    /// <summary><c>head_dim</c> when the file states it, else 0.</summary>
    public int HeadDim { get; private set; }

    public string? ModelType { get; private set; }

    public string? HiddenAct { get; private set; }

    /// <summary>True when <c>rope_scaling</c> is set (not null).</summary>
    public bool HasRopeScaling { get; private set; }

    public bool AttentionBias { get; private set; }

    public bool MlpBias { get; private set; }

    /// <summary>The value of the shape property <paramref name="property"/> (<c>Dim</c>, <c>KvHeads</c>, ...).</summary>
    public int ShapeValue(string property) => property switch
    {
        "Dim" => Dim,
        "Layers" => Layers,
        "Heads" => Heads,
        "KvHeads" => KvHeads,
        "HiddenDim" => HiddenDim,
        "Vocab" => Vocab,
        "MaxSeqLen" => MaxSeqLen,
        _ => 0,
    };

    /// <summary>The config key behind a shape property, for messages.</summary>
    public static string KeyOf(string property)
    {
        foreach (var pair in ShapeKeys)
        {
            if (pair.Key == property)
            {
                return pair.Value;
            }
        }

        return property;
    }

    /// <summary>The 1-based line where <paramref name="key"/> is written, or 1 when the file does not write it (defaults).</summary>
    public int LineOf(string key) => _lines.TryGetValue(key, out int line) ? line : 1;

    /// <summary>True when the file writes <paramref name="key"/>.</summary>
    public bool Has(string key) => _lines.ContainsKey(key);

    /// <summary>Reads <paramref name="text"/>; returns the config, or null with the problems found.</summary>
    public static HuggingFaceConfig? Parse(string text, out List<ConfigProblem> problems)
    {
        problems = new List<ConfigProblem>();
        JsonValue root;
        try
        {
            root = JsonText.Parse(text);
        }
        catch (JsonFormatException e)
        {
            problems.Add(new ConfigProblem(Malformed, e.Line, "", Format("not valid JSON at column {0}: {1}", e.Column, e.Reason)));
            return null;
        }

        if (root.Kind != JsonKind.Object)
        {
            problems.Add(new ConfigProblem(Malformed, root.Line, "", "the file must hold one JSON object, but it holds " + root.Description));
            return null;
        }

        var config = new HuggingFaceConfig();
        foreach (var member in root.Members)
        {
            config._lines[member.Key] = member.Value.Line;
        }

        var list = problems;
        int Whole(string key, bool required, int fallback)
        {
            var value = root.Get(key);
            if (value is null || value.Kind == JsonKind.Null)
            {
                if (required)
                {
                    list.Add(new ConfigProblem(Malformed, value?.Line ?? root.Line, key, key + (value is null ? " is missing" : " is null") + "; it must be a whole number"));
                }

                return fallback;
            }

            if (!value.TryGetInt64(out long number) || number < int.MinValue || number > int.MaxValue)
            {
                list.Add(new ConfigProblem(Malformed, value.Line, key, key + " is " + value.Description + "; it must be a whole number that fits 32 bits"));
                return fallback;
            }

            return (int)number;
        }

        double Real(string key, double fallback)
        {
            var value = root.Get(key);
            if (value is null || value.Kind == JsonKind.Null)
            {
                return fallback;
            }

            if (!value.TryGetDouble(out double number) || double.IsInfinity(number) || number <= 0)
            {
                list.Add(new ConfigProblem(Malformed, value.Line, key, key + " is " + value.Description + "; it must be a positive number"));
                return fallback;
            }

            return number;
        }

        bool Flag(string key, bool fallback)
        {
            var value = root.Get(key);
            if (value is null || value.Kind == JsonKind.Null)
            {
                return fallback;
            }

            if (value.Kind != JsonKind.Boolean)
            {
                list.Add(new ConfigProblem(Malformed, value.Line, key, key + " is " + value.Description + "; it must be true or false"));
                return fallback;
            }

            return value.Boolean;
        }

        string? Text(string key)
        {
            var value = root.Get(key);
            if (value is null || value.Kind == JsonKind.Null)
            {
                return null;
            }

            if (value.Kind != JsonKind.String)
            {
                list.Add(new ConfigProblem(Malformed, value.Line, key, key + " is " + value.Description + "; it must be a string"));
                return null;
            }

            return value.Text;
        }

        config.Dim = Whole("hidden_size", true, 0);
        config.Layers = Whole("num_hidden_layers", true, 0);
        config.Heads = Whole("num_attention_heads", true, 0);
        config.KvHeads = Whole("num_key_value_heads", false, config.Heads);
        config.HiddenDim = Whole("intermediate_size", true, 0);
        config.Vocab = Whole("vocab_size", true, 0);
        config.MaxSeqLen = Whole("max_position_embeddings", true, 0);
        config.HeadDim = Whole("head_dim", false, 0);

        // Qwen-style configs carry a window they do not use unless use_sliding_window says so.
        int window = Whole("sliding_window", false, 0);
        if (root.Get("sliding_window") is { Kind: JsonKind.Number } windowValue && window <= 0 && problems.Count == 0)
        {
            problems.Add(new ConfigProblem(Malformed, windowValue.Line, "sliding_window", Format("sliding_window is {0}; it must be positive, or null for none", window)));
        }

        config.SlidingWindow = Flag("use_sliding_window", true) ? System.Math.Max(0, window) : 0;
        config.RopeTheta = Real("rope_theta", 10000);
        config.RmsNormEpsilon = Real("rms_norm_eps", 1e-6);
        config.TieWordEmbeddings = Flag("tie_word_embeddings", false);
        config.AttentionBias = Flag("attention_bias", false);
        config.MlpBias = Flag("mlp_bias", false);
        config.ModelType = Text("model_type");
        config.HiddenAct = Text("hidden_act");
        var scaling = root.Get("rope_scaling");
        config.HasRopeScaling = scaling is not null && scaling.Kind != JsonKind.Null;

        if (config.HeadDim > 0 && config.Heads > 0 && config.HeadDim * (long)config.Heads != config.Dim)
        {
            problems.Add(new ConfigProblem(Malformed, config.LineOf("head_dim"), "head_dim", Format(
                "head_dim is {0}, but hidden_size / num_attention_heads = {1} / {2}; KernelGen takes head_dim = hidden_size / num_attention_heads",
                config.HeadDim, config.Dim, config.Heads)));
        }

        return problems.Count == 0 ? config : null;
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
