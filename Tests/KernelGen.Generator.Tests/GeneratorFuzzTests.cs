using System.Linq;
using System.Text;
using KernelGen.Fuzzing;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Generator.Tests;

/// <summary>
/// Seeded mutation fuzzing of the files the generator reads at build time: a layout file and a
/// model config.json, mutated (see <see cref="Mutator"/>), must give generated kernels or KG
/// diagnostics, never an exception out of the generator (CS8785), within the time and allocation
/// bounds. When no KG error is reported, the generated source must also compile. The normal run
/// tries a few dozen inputs per target; <c>KERNELGEN_FUZZ_ITERATIONS=N</c> runs N.
/// </summary>
[Trait("Category", "Fuzz")]
public class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int DefaultInputs = 25;

    /// <summary>Roslyn's own work dominates a run; 512 MB still catches a table or text that blows up.</summary>
    private const long MaxAllocatedBytes = 512L << 20;

    private const string Config = """
        {
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
    public void LayoutFile()
    {
        string shared = "# learned offline\nblock 64\n1000\n1100\n0110\n1011\n";
        string perHead = "block 32\n" + string.Concat(Enumerable.Range(0, 8).Select(h => $"head {h}\n" + string.Join("\n", Rows(8)) + "\n"));
        const string Source = "using KernelGen;\nnamespace Models;\n[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 256)]\n" +
            "[SparseAttention(SparsePattern.Layout, LayoutFile = \"learned.layout\", Layers = \"1\")]\npublic partial class M;\n";
        var run = NewRun("layout file (generator)");
        ForEachInput(6600, seed =>
        {
            var mutator = new Mutator(seed);
            string text = mutator.Text(mutator.Next(2) == 0 ? shared : perHead);
            run.Run(seed, MaxAllocatedBytes, () => Check(Source, new GeneratorHarness.InMemoryFile("/project/learned.layout", text)));
        });
        Report(run);
    }

    [Fact]
    public void ConfigJson()
    {
        const string Source = "using KernelGen;\nnamespace Models;\n[TransformerModel(ConfigFile = \"models/tiny/config.json\")]\npublic partial class Tiny;\n";
        var run = NewRun("config.json (generator)");
        ForEachInput(7700, seed =>
        {
            string text = new Mutator(seed).Text(Config);
            run.Run(seed, MaxAllocatedBytes, () => Check(Source, new GeneratorHarness.InMemoryFile("/project/models/tiny/config.json", text)));
        });
        Report(run);
    }

    /// <summary>No finding when the generator ended cleanly: kernels that compile, or KG errors and no kernels; the outcome names the errors' IDs.</summary>
    private static (string? Finding, string? Outcome) Check(string source, AdditionalText file)
    {
        var (result, compilation) = GeneratorHarness.Run(new[] { source }, new[] { file });
        if (result.Results.Single().Exception is { } exception)
        {
            return ("the generator threw " + exception.GetType().Name + ": " + exception.Message, null);
        }

        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Any(e => !e.Id.StartsWith("KG", System.StringComparison.Ordinal)))
        {
            return ("a non-KG error: " + errors.First(e => !e.Id.StartsWith("KG", System.StringComparison.Ordinal)), null);
        }

        if (errors.Count == 0)
        {
            var problems = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (problems.Count > 0)
            {
                return ("no KG error, but the output does not compile: " + problems[0], null);
            }

            return (null, "kernels generated and compiled");
        }

        return (null, string.Join(" ", errors.Select(e => e.Id).Distinct().OrderBy(id => id, System.StringComparer.Ordinal)));
    }

    private static FuzzRun NewRun(string target) => new(target, _ => null);

    private static string[] Rows(int blocks) => Enumerable.Range(0, blocks)
        .Select(r => new string(Enumerable.Range(0, blocks).Select(k => k <= r && (k == 0 || r - k < 2) ? '1' : '0').ToArray()))
        .ToArray();

    private static void ForEachInput(int defaultSeed, System.Action<int> input)
    {
        int first = Mutator.FirstSeed(defaultSeed), count = Mutator.Iterations(DefaultInputs);
        for (int i = 0; i < count; i++)
        {
            input(first + i);
        }
    }

    private void Report(FuzzRun run)
    {
        output.WriteLine(run.Summary());
        Assert.True(run.Findings.Count == 0, run.Summary());
    }
}
