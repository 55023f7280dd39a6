using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>
/// <c>[TransformerModel(ConfigFile = ...)]</c>: the shape from a Hugging Face config.json read at build
/// time gives exactly the kernels the same numbers written as arguments give; a sliding_window becomes
/// the SlidingWindow pattern on every layer; each file problem is a diagnostic with its ID and location.
/// </summary>
public class ConfigFileTests
{
    private const string ConfigPath = "/project/models/tiny/config.json";

    // A Mistral-style config: 8 query heads over 2 KV heads, head_dim 8, a sliding window of 64.
    private const string Mistral = """
        {
          "architectures": ["MistralForCausalLM"],
          "model_type": "mistral",
          "hidden_size": 64,
          "intermediate_size": 172,
          "num_hidden_layers": 4,
          "num_attention_heads": 8,
          "num_key_value_heads": 2,
          "vocab_size": 512,
          "max_position_embeddings": 256,
          "sliding_window": 64,
          "rope_theta": 10000.0,
          "rms_norm_eps": 1e-05,
          "tie_word_embeddings": false
        }
        """;

    [Fact]
    public void ConfigGivesTheSameKernelsAsTheNumbersWrittenOut()
    {
        string fromConfig = Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace("\"sliding_window\": 64", "\"sliding_window\": null"));
        string written = GeneratorHarness.GeneratedSource(Source("[TransformerModel(Dim = 64, Layers = 4, Heads = 8, KvHeads = 2, HiddenDim = 172, Vocab = 512, MaxSeqLen = 256)]"));
        Assert.Equal(written, fromConfig);
    }

    [Fact]
    public void SlidingWindowBecomesTheSlidingWindowPatternOnEveryLayer()
    {
        string fromConfig = Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral);
        string written = GeneratorHarness.GeneratedSource(Source(
            "[TransformerModel(Dim = 64, Layers = 4, Heads = 8, KvHeads = 2, HiddenDim = 172, Vocab = 512, MaxSeqLen = 256)]\n" +
            "[SparseAttention(SparsePattern.SlidingWindow, Window = 64)]"));
        Assert.Equal(written, fromConfig);
        Assert.Contains("SlidingWindow", fromConfig, System.StringComparison.Ordinal);
    }

    [Fact]
    public void AWindowAsLongAsTheContextIsDense()
    {
        string fromConfig = Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace("\"sliding_window\": 64", "\"sliding_window\": 4096"));
        Assert.Equal(Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace("\"sliding_window\": 64,", "")), fromConfig);
    }

    [Fact]
    public void ArgumentsThatAgreeWithTheFileAreAllowed() =>
        Assert.Empty(Diagnostics("[TransformerModel(ConfigFile = \"models/tiny/config.json\", Dim = 64, KvHeads = 2, MaxSeqLen = 256)]", Mistral));

    [Fact]
    public void MqaFromTheFile_DefaultsKvHeadsToTheHeadsWhenAbsent()
    {
        string mha = Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace("\"num_key_value_heads\": 2,", ""));
        Assert.Contains("MHA", mha, System.StringComparison.Ordinal);
        string mqa = Generate("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 1"));
        Assert.Contains("MQA", mqa, System.StringComparison.Ordinal);
    }

    [Fact]
    public void KG0047_ConfigFileNotInAdditionalFiles() =>
        AssertAtArgument("KG0047", "config file 'missing/config.json' is not among the project's AdditionalFiles",
            "[TransformerModel([|ConfigFile = \"missing/config.json\"|])]", Mistral);

    [Fact]
    public void KG0047_EmptyConfigFile() =>
        AssertAtArgument("KG0047", "ConfigFile is empty", "[TransformerModel([|ConfigFile = \"\"|])]", Mistral);

    [Fact]
    public void KG0049_ArgumentThatContradictsTheFile() =>
        AssertAtArgument("KG0049", "KvHeads = 4 contradicts config.json, whose num_key_value_heads is 2 (line 8)",
            "[TransformerModel(ConfigFile = \"models/tiny/config.json\", [|KvHeads = 4|])]", Mistral);

    [Theory]
    [InlineData("\"num_hidden_layers\": 4,", "\"num_hidden_layers\": 4", 7, "not valid JSON at column 3: expected ',' or '}' after an object member")]
    [InlineData("\"num_hidden_layers\": 4,", "\"num_hidden_layers\": \"four\",", 6, "num_hidden_layers is a string; it must be a whole number")]
    [InlineData("\"num_hidden_layers\": 4,", "\"num_hidden_layers\": 4.5,", 6, "num_hidden_layers is the number 4.5; it must be a whole number")]
    [InlineData("\"num_hidden_layers\": 4,", "", 1, "num_hidden_layers is missing")]
    [InlineData("\"sliding_window\": 64,", "\"sliding_window\": 0,", 11, "sliding_window is 0; it must be positive, or null for none")]
    [InlineData("\"vocab_size\": 512,", "\"vocab_size\": 512, \"vocab_size\": 512,", 9, "the key \"vocab_size\" appears twice")]
    public void KG0048_MalformedConfig_PointsAtTheLine(string from, string to, int line, string message)
    {
        var diagnostic = Assert.Single(Diagnostics("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", Mistral.Replace(from, to)));
        AssertInFile(diagnostic, "KG0048", line, message);
    }

    [Fact]
    public void KG0048_NotAnObject() =>
        AssertInFile(Assert.Single(Diagnostics("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]", "\n[1, 2]\n")), "KG0048", 2, "must hold one JSON object");

    [Fact]
    public void ShapeRulesJudgeTheFilesValues_AtTheirLine()
    {
        var diagnostic = Assert.Single(Diagnostics("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]",
            Mistral.Replace("\"num_attention_heads\": 8", "\"num_attention_heads\": 6").Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3")));
        AssertInFile(diagnostic, "KG0002", 4, "config.json line 4 (hidden_size): Dim (64) must be a multiple of Heads (6)");
    }

    [Fact]
    public void KG0024_SparseAttentionOnALayerTheConfigsWindowAlreadyHas() =>
        AssertAtArgument("KG0024", "layer 1 already has the SlidingWindow pattern of config.json's sliding_window (line 11)",
            "[TransformerModel(ConfigFile = \"models/tiny/config.json\")]\n[SparseAttention(SparsePattern.Strided, Stride = 16, [|Layers = \"1\"|])]", Mistral);

    [Fact]
    public void EditingTheConfigFileReplans()
    {
        var source = CSharpSyntaxTree.ParseText(Source("[TransformerModel(ConfigFile = \"models/tiny/config.json\")]"), GeneratorHarness.ParseOptions, path: "Model0.cs");
        var compilation = GeneratorHarness.Compilation().AddSyntaxTrees(source);
        var file = new GeneratorHarness.InMemoryFile(ConfigPath, Mistral);
        var driver = GeneratorHarness.Driver(file).RunGenerators(compilation);

        var edited = new GeneratorHarness.InMemoryFile(ConfigPath, Mistral.Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 1"));
        var second = driver.ReplaceAdditionalText(file, edited).RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(second.TrackedSteps[TrackingNames.Plan].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("MQA", GeneratorHarness.ModelFiles(second).Single().SourceText.ToString(), System.StringComparison.Ordinal);
    }

    private static string Source(string attributes) => "using KernelGen;\nnamespace Models;\n" + attributes + "\npublic partial class Tiny;\n";

    private static string Generate(string attribute, string config) =>
        GeneratorHarness.GeneratedSource(Source(attribute), new GeneratorHarness.InMemoryFile(ConfigPath, config));

    private static System.Collections.Immutable.ImmutableArray<Diagnostic> Diagnostics(string attribute, string config) =>
        GeneratorHarness.Diagnostics(Source(attribute), new GeneratorHarness.InMemoryFile(ConfigPath, config));

    private static void AssertAtArgument(string id, string message, string markedAttributes, string config)
    {
        string source = Source(markedAttributes);
        int start = source.IndexOf("[|", System.StringComparison.Ordinal);
        int end = source.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        source = source.Replace("[|", "").Replace("|]", "");
        var diagnostic = Assert.Single(GeneratorHarness.Diagnostics(source, new GeneratorHarness.InMemoryFile(ConfigPath, config)));
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Equal("Model0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
    }

    private static void AssertInFile(Diagnostic diagnostic, string id, int line, string message)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Equal(ConfigPath, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(line - 1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }
}
