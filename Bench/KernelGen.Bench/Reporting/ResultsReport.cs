using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// Builds <c>docs/RESULTS.md</c> and its plots from the benchmarks' CSV reports. Copies fresh
/// reports from <c>BenchmarkDotNet.Artifacts/results</c> into <c>Bench/results</c> (kept in the
/// repository, so the document can be regenerated without rerunning anything), then renders
/// every section whose data is there.
/// </summary>
internal static class ResultsReport
{
    public static int Run(string[] args)
    {
        string root = FindRepositoryRoot();
        string results = Path.Combine(root, "Bench", "results");
        string docs = Path.Combine(root, "docs");
        string plots = Path.Combine(docs, "plots");
        Directory.CreateDirectory(results);
        Directory.CreateDirectory(plots);

        string artifacts = args.Length > 0 ? args[0] : Path.Combine(root, "BenchmarkDotNet.Artifacts", "results");
        if (Directory.Exists(artifacts))
        {
            foreach (string file in Directory.GetFiles(artifacts).Where(f => f.EndsWith("-report.csv", StringComparison.Ordinal) || f.EndsWith("-report-github.md", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(results, Path.GetFileName(file)), overwrite: true);
                Console.WriteLine($"copied {Path.GetFileName(file)}");
            }
        }

        var tables = Directory.GetFiles(results, "*-report.csv").Select(BenchmarkTable.Read).ToDictionary(t => t.Name);
        var document = new StringBuilder();
        document.AppendLine("# KernelGen results");
        document.AppendLine();
        document.AppendLine("Every number here comes from the BenchmarkDotNet suites in `Bench/KernelGen.Bench`, run alone on");
        document.AppendLine("the machine described under each table. To rerun and regenerate this page and its plots:");
        document.AppendLine();
        document.AppendLine("```sh");
        document.AppendLine("dotnet run -c Release --project Bench/KernelGen.Bench -- --filter '*'   # or a filter such as '*Sparse*'");
        document.AppendLine("dotnet run -c Release --project Bench/KernelGen.Bench -- report");
        document.AppendLine("```");
        document.AppendLine();
        document.AppendLine("The CSV behind each table is in `Bench/results/`; `report` alone rebuilds this page from them.");

        // The suite's roofs (Bench/results), and those measured on the other machines some tables come
        // from (Bench/results/limits/<machine>/), for the sections that look roofs up by machine.
        var limits = LimitsSection.Measured(tables);
        var roofs = new List<BenchmarkTable>();
        if (tables.TryGetValue("MachineLimitsBenchmarks", out var ownRoofs))
        {
            roofs.Add(ownRoofs);
        }

        string otherRoofs = Path.Combine(results, "limits");
        if (Directory.Exists(otherRoofs))
        {
            roofs.AddRange(Directory.GetFiles(otherRoofs, "*MachineLimitsBenchmarks-report.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(BenchmarkTable.Read));
        }

        foreach (var section in Sections(results))
        {
            if (section.Tables.All(tables.ContainsKey))
            {
                section.Limits = limits;
                section.Roofs = roofs;
                document.AppendLine();
                section.Render(section.Tables.Select(t => tables[t]).ToList(), document, plots);
            }
        }

        File.WriteAllText(Path.Combine(docs, "RESULTS.md"), document.ToString().Replace("\r\n", "\n"));
        Console.WriteLine($"wrote {Path.Combine(docs, "RESULTS.md")}");
        return 0;
    }

    private static IEnumerable<ReportSection> Sections(string results)
    {
        yield return new TargetsSection(results);
        yield return new LimitsSection();
        yield return new TokenRateSection(
            "EndToEndBenchmarks", "stories260K end to end",
            new[]
            {
                "The golden run of the main job: greedy \"Once upon a time\", 256 forward passes with tokenizing, argmax and",
                "printing to a null stream (setup checks the story is the golden one), per kernel set. llama2.c's `run.c`",
                "cannot run inside BenchmarkDotNet; measured beside this suite, its numbers are under [Targets](#targets).",
            },
            "Kernels", "generic");
        yield return new TokenRateSection(
            "DecodeStepBenchmarks", "stories260K: one decoder step",
            new[] { "One `DecoderSession.Forward` on a session built once; `none (decoder alone)` replaces attention by a copy." },
            "Kernels", "generic");
        yield return new TokenRateSection(
            "AttentionDecodeBenchmarks", "stories260K: attention alone",
            new[] { "`AttentionKernels.Decode` for the 5 layers of one token, averaged over positions 0..255." },
            "Kernels", "generic");
        yield return new TokenRateSection(
            "LargeModelBenchmarks", "A larger model end to end",
            new[]
            {
                "Greedy decoding from BOS of a random-weight model (dim 768, 12 layers, 12 query heads, hidden 2048,",
                "vocab 32000, context 4096; `RandomCheckpoint`) with 12, 4 or 1 KV heads, through the generated kernels;",
                "the ratio compares each KV-head count with 12 (MHA) at the same length.",
            },
            "KvHeads", "12", tokensColumn: "Tokens");
        yield return new TokenRateSection(
            "StoriesPeerBenchmarks", "llama.cpp as the peer: stories260K",
            new[] { "The same F32 GGUF file decoded greedily by llama.cpp (LLamaSharp 0.30.0) and by KernelGen, two threads each." },
            "Engine", "llama.cpp");
        yield return new TokenRateSection(
            "MqaPeerBenchmarks", "llama.cpp as the peer: an MQA model at long context",
            new[] { "dim 768, 12 layers, 12 query heads sharing 1 KV head, context 4096; 32 tokens decoded after a 3072-token prompt." },
            "Engine", "llama.cpp");
        yield return new SparseSection();
        yield return new OnnxPeerSection();
        yield return new KvCacheSection();
        yield return new QueryAwareSection();
        yield return new QuantizedSection();
        yield return new TokenRateSection(
            "KvCachePeerBenchmarks", "llama.cpp as the peer: compressed KV caches at 16K",
            new[]
            {
                "The same random F32 GGUF (MHA, d_model 4096, 32 heads of 128, one layer, hidden 1024, vocab 512) decoded",
                "greedily at positions 16352..16367 by KernelGen and by llama.cpp (flash attention), two threads each, with",
                "matching caches: f16 against type_k/type_v f16; q8 is KernelGen's int8 (a scale per position per KV head)",
                "against llama.cpp's q8_0 (a scale per 32 numbers). Target: KernelGen ≥ 1.2× llama.cpp.",
            },
            "Engine", "llama.cpp");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KernelGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the report from inside the KernelGen repository (no KernelGen.sln found above the current folder).");
    }

    internal static string Format(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>One part of the results document, drawn from one or more benchmark tables.</summary>
internal abstract class ReportSection
{
    /// <summary>The benchmark classes it needs; the section is left out until all have results.</summary>
    public abstract string[] Tables { get; }

    /// <summary>The measured all-core roofs (GFLOP/s, GB/s), when the limits suite has results.</summary>
    public (double PeakGflops, double BandwidthGBs)? Limits { get; set; }

    /// <summary>Every limits table kept: the suite's own, then those of other machines (<c>Bench/results/limits/</c>).</summary>
    public IReadOnlyList<BenchmarkTable> Roofs { get; set; } = [];

    /// <summary>The all-core roofs measured on <paramref name="table"/>'s machine, or null when none were.</summary>
    protected (double PeakGflops, double BandwidthGBs)? RoofsOf(BenchmarkTable table) =>
        Roofs.FirstOrDefault(r => r.Machine.Length > 0 && r.Machine == table.Machine) is { } roofs ? LimitsSection.Measured(roofs) : null;

    public abstract void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder);

    protected static void Environment(BenchmarkTable table, StringBuilder document)
    {
        if (table.Environment.Length > 0)
        {
            document.AppendLine();
            document.AppendLine("```");
            document.AppendLine(table.Environment.Trim());
            document.AppendLine("```");
        }
    }
}
