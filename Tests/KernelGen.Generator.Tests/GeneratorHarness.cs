using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
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

    /// <summary>Runs the generator once over sources and AdditionalFiles.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(string[] sources, AdditionalText[] additionalFiles)
    {
        var driver = Driver(additionalFiles).RunGeneratorsAndUpdateCompilation(Compilation(sources), out var output, out _);
        return (driver.GetRunResult(), output);
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
