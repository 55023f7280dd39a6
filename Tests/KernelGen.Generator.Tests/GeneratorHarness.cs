using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using KernelGen.Kernels;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelGen.Generator.Tests;

/// <summary>Compiles test sources and runs the generator over them, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    /// <summary>The running runtime's assemblies, plus KernelGen's attributes and runtime.</summary>
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Concat(new[] { typeof(TransformerModelAttribute).Assembly.Location, typeof(AttentionKernels).Assembly.Location })
            .Distinct();
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));

    public static GeneratorDriver Driver(params AdditionalText[] additionalFiles) =>
        CSharpGeneratorDriver.Create(
            new[] { new KernelGenerator().AsSourceGenerator() },
            additionalTexts: additionalFiles,
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once: its result, and the compilation with the generated sources added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources) => Run(sources, Array.Empty<AdditionalText>());

    /// <summary>
    /// Runs the generator over sources and AdditionalFiles, then once more over an identical copy
    /// of the compilation and asserts the second run reused everything (NetEscapades' habit), so
    /// every test that generates code also proves the pipeline is cached end to end.
    /// </summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(string[] sources, AdditionalText[] additionalFiles)
    {
        var compilation = Compilation(sources);
        var driver = Driver(additionalFiles).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        AssertRerunReusesEverything(driver.RunGenerators(compilation.Clone()).GetRunResult());
        return (result, output);
    }

    /// <summary>Every pipeline step's tracking name: the constants of <see cref="TrackingNames"/>, found by reflection so none is forgotten.</summary>
    public static IReadOnlyList<string> TrackingNamesOfAllSteps { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    /// <summary>Asserts that a run over an unchanged compilation reran no step: each is Cached or Unchanged, each output Cached.</summary>
    public static void AssertRerunReusesEverything(GeneratorDriverRunResult rerun)
    {
        var steps = Xunit.Assert.Single(rerun.Results).TrackedSteps;
        foreach (string name in TrackingNamesOfAllSteps)
        {
            if (!steps.TryGetValue(name, out var runs))
            {
                continue; // a step that had no input this time (no valid spec, say) did not run at all
            }

            Xunit.Assert.All(runs.SelectMany(r => r.Outputs), o => Xunit.Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {name} was {o.Reason} on a rerun over the same input"));
        }

        Xunit.Assert.All(Xunit.Assert.Single(rerun.Results).TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Xunit.Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    /// <summary>The generator's diagnostics for <paramref name="source"/>.</summary>
    public static ImmutableArray<Diagnostic> Diagnostics(string source, params AdditionalText[] additionalFiles) =>
        Run(new[] { source }, additionalFiles).Result.Diagnostics;

    /// <summary>The single model file's text (the shared microkernel files left out).</summary>
    public static string GeneratedSource(string source, params AdditionalText[] additionalFiles)
    {
        var (result, _) = Run(new[] { source }, additionalFiles);
        Xunit.Assert.Empty(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return Xunit.Assert.Single(ModelFiles(result)).SourceText.ToString();
    }

    /// <summary>The text of each shared microkernel file, by hint name.</summary>
    public static IReadOnlyDictionary<string, string> GeneratedMicrokernels(string source)
    {
        var (result, _) = Run(source);
        Xunit.Assert.Empty(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return MicrokernelFiles(result).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
    }

    /// <summary>The generated files of model classes, one per <c>[TransformerModel]</c>.</summary>
    public static IReadOnlyList<GeneratedSourceResult> ModelFiles(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).Where(s => !IsMicrokernelFile(s)).ToList();

    /// <summary>The shared microkernel files, one per (head_dim, SIMD path).</summary>
    public static IReadOnlyList<GeneratedSourceResult> MicrokernelFiles(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).Where(IsMicrokernelFile).ToList();

    /// <summary>The model files of one generator's run result.</summary>
    public static IReadOnlyList<GeneratedSourceResult> ModelFiles(GeneratorRunResult result) =>
        result.GeneratedSources.Where(s => !IsMicrokernelFile(s)).ToList();

    private static bool IsMicrokernelFile(GeneratedSourceResult source) =>
        source.HintName.StartsWith("KernelGen.Microkernels.", StringComparison.Ordinal);

    /// <summary>An AdditionalFiles item held in memory.</summary>
    public sealed class InMemoryFile : AdditionalText
    {
        private readonly string _text;

        public InMemoryFile(string path, string text)
        {
            Path = path;
            _text = text;
        }

        public override string Path { get; }

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(_text);
    }

    /// <summary>Warnings and errors of the compilation, generated code included, at the highest warning level.</summary>
    public static IReadOnlyList<Diagnostic> CompilationProblems(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
}
