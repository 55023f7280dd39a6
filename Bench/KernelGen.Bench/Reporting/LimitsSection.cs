using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using KernelGen.Bench.Limits;

namespace KernelGen.Bench.Reporting;

/// <summary>The machine's fp32 FMA peak and memory read bandwidth, as measured by <see cref="MachineLimitsBenchmarks"/>.</summary>
internal sealed class LimitsSection : ReportSection
{
    public override string[] Tables => new[] { "MachineLimitsBenchmarks" };

    /// <summary>The read methods; the read roof is the fastest of those measured (older results have only the first).</summary>
    private static readonly string[] ReadMethods = { "MemoryReadBandwidth", "MemoryReadStreams", "MemoryReadStreamsPrefetched" };

    /// <summary>All-core peak GFLOP/s and read GB/s (the read roof), when the limits have been measured.</summary>
    public static (double PeakGflops, double BandwidthGBs)? Measured(IReadOnlyDictionary<string, BenchmarkTable> tables) =>
        tables.TryGetValue("MachineLimitsBenchmarks", out var table) ? Measured(table) : null;

    /// <summary>The all-core FMA peak and the fastest all-core read of one limits table.</summary>
    public static (double PeakGflops, double BandwidthGBs) Measured(BenchmarkTable table)
    {
        var rows = Rows(table);
        return (rows.First(r => r.Method == "FmaPeak" && r.AllCores).Rate, rows.Where(r => ReadMethods.Contains(r.Method) && r.AllCores).Max(r => r.Rate));
    }

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var table = tables[0];
        document.AppendLine("## The machine's limits");
        document.AppendLine();
        document.AppendLine("Measured by `MachineLimitsBenchmarks` in the same suite: 12 independent fp32 FMA chains per core on the");
        document.AppendLine("widest accelerated vector (the compute roof for prefill), and a vector sum over a 1 GiB buffer, about");
        document.AppendLine("30× the last-level cache, read as one stream per core and, STREAM-like, as 8 unrolled streams per core,");
        document.AppendLine("without and with software prefetch; the fastest is the memory roof for long-context decode. Every");
        document.AppendLine("attention result below is also given as a share of the roof that bounds it.");
        document.AppendLine();
        document.AppendLine("| limit | one core | all cores |");
        document.AppendLine("|---|---:|---:|");
        var rows = Rows(table);
        string Rate(string method, bool all) => ResultsReport.Format(rows.First(r => r.Method == method && r.AllCores == all).Rate, "0.0");
        document.AppendLine($"| fp32 FMA peak (GFLOP/s) | {Rate("FmaPeak", false)} | {Rate("FmaPeak", true)} |");
        document.AppendLine($"| memory read bandwidth (GB/s) | {Rate("MemoryReadBandwidth", false)} | {Rate("MemoryReadBandwidth", true)} |");
        if (rows.Any(r => r.Method == "MemoryReadStreams"))
        {
            document.AppendLine($"| read, 8 streams per core (GB/s) | {Rate("MemoryReadStreams", false)} | {Rate("MemoryReadStreams", true)} |");
            document.AppendLine($"| read, 8 streams, prefetched (GB/s) | {Rate("MemoryReadStreamsPrefetched", false)} | {Rate("MemoryReadStreamsPrefetched", true)} |");
        }
        Environment(table, document);
    }

    private static List<(string Method, bool AllCores, double Rate)> Rows(BenchmarkTable table)
    {
        var cores = Regex.Match(table.Environment, @"(\d+) logical");
        int all = cores.Success ? int.Parse(cores.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        return table.Rows.Select(r =>
        {
            int used = (int)BenchmarkTable.Number(r, "Cores");
            bool allCores = used == 0;
            double seconds = BenchmarkTable.Number(r, "Mean [us]") / 1e6;
            double rate = r["Method"] == "FmaPeak"
                ? MachineLimitsBenchmarks.FlopsPerCallPerCore * (allCores ? all : used) / seconds / 1e9
                : MachineLimitsBenchmarks.BytesPerCall / seconds / 1e9;
            return (r["Method"], allCores, rate);
        }).ToList();
    }
}
