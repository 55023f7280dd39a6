using System.Collections.Generic;
using System.Linq;
using System.Text;
using KernelGen.Bench.CacheFormats;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// Compressed KV caches: one decode step per format, KV-head count and context, with each format's
/// speed-up over f32 and its share of the read bandwidth counting the bytes it stores; the issue's
/// targets checked line by line; time per token against context per format, plotted.
/// </summary>
internal sealed class KvCacheSection : ReportSection
{
    private static readonly string[] Formats = { "f32", "bf16", "f16", "int8" };

    public override string[] Tables => new[] { "KvCacheDecodeBenchmarks" };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var table = tables[0];
        var rows = table.Rows.Select(r => (
            Format: r["Format"],
            KvHeads: (int)BenchmarkTable.Number(r, "KvHeads"),
            Context: (int)BenchmarkTable.Number(r, "Context"),
            Us: BenchmarkTable.Number(r, "Mean [us]"))).ToList();
        double Time(string format, int kvHeads, int context) => rows.First(x => x.Format == format && x.KvHeads == kvHeads && x.Context == context).Us;
        bool Has(string format, int kvHeads, int context) => rows.Any(x => x.Format == format && x.KvHeads == kvHeads && x.Context == context);
        // The roof of the machine this table ran on (BenchmarkDotNet's CPU line and ISA level), not the
        // suite's own roofs, which may come from another machine.
        double? bandwidth = RoofsOf(table)?.BandwidthGBs;

        document.AppendLine("## Compressed KV cache");
        document.AppendLine();
        document.AppendLine("One generated decode step at d_model 4096 (32 query heads of 128) against a cache of Context positions");
        document.AppendLine("stored as f32, bf16, f16 or int8 (`KvCacheDecodeBenchmarks`). × is the speed-up over f32 at the same");
        document.AppendLine("shape; % is the share of the read bandwidth measured on the same machine"
            + (bandwidth is double measured ? $" ({ResultsReport.Format(measured, "0.0")} GB/s, `MachineLimitsBenchmarks`)" : "")
            + ", counting the bytes the format stores. Run the limits suite in the same BenchmarkDotNet run: on a");
        document.AppendLine("shared virtual machine the read bandwidth can move by a third or more between sittings, and a share is");
        document.AppendLine("only meaningful against the roof of its own sitting.");
        foreach (int kvHeads in rows.Select(r => r.KvHeads).Distinct().OrderByDescending(k => k))
        {
            string family = kvHeads == 32 ? "MHA" : kvHeads == 1 ? "MQA" : "GQA";
            document.AppendLine();
            document.AppendLine($"### {family}: {kvHeads} KV head{(kvHeads == 1 ? "" : "s")}");
            document.AppendLine();
            var formats = Formats.Where(f => rows.Any(r => r.Format == f && r.KvHeads == kvHeads)).ToList();
            document.AppendLine("| context | " + string.Join(" | ", formats.Select(f => f + " (ms) | × | %" )) + " |");
            document.AppendLine("|---:|" + string.Concat(formats.Select(_ => "---:|---:|---:|")));
            foreach (int context in rows.Where(r => r.KvHeads == kvHeads).Select(r => r.Context).Distinct().OrderBy(c => c))
            {
                var cells = new List<string>();
                foreach (string format in formats)
                {
                    if (!Has(format, kvHeads, context))
                    {
                        cells.Add("– | – | –");
                        continue;
                    }

                    double us = Time(format, kvHeads, context);
                    string speedup = Has("f32", kvHeads, context) ? ResultsReport.Format(Time("f32", kvHeads, context) / us, "0.00") : "–";
                    string share = bandwidth is double roof ? ResultsReport.Format(100 * KvCacheDecodeBenchmarks.KvBytesRead(format, kvHeads, context) / (us * 1e3) / roof, "0") : "–";
                    cells.Add(ResultsReport.Format(us / 1000, "0.000") + " | " + speedup + " | " + share);
                }

                document.AppendLine("| " + ResultsReport.Format(context) + " | " + string.Join(" | ", cells) + " |");
            }

            document.AppendLine();
            string plot = SparseSection.Plot(plotFolder, $"kv-cache-{family.ToLowerInvariant()}.png", $"{family} decode step vs context per KV cache format (log-log)",
                "context (keys)", "time per token (µs)",
                formats.Select(f => (f, rows.Where(r => r.Format == f && r.KvHeads == kvHeads).OrderBy(r => r.Context).Select(r => ((double)r.Context, r.Us)).ToList())).ToList());
            document.AppendLine($"![{family} decode time per token against context, per format](plots/{plot})");
        }

        document.AppendLine();
        document.AppendLine("### Targets");
        document.AppendLine();
        document.AppendLine("| target | measured | met |");
        document.AppendLine("|---|---|---|");
        foreach (int context in new[] { 16384, 32768 })
        {
            foreach (var (format, goal) in new[] { ("bf16", 1.8), ("int8", 3.2) })
            {
                if (!Has(format, 32, context) || !Has("f32", 32, context))
                {
                    continue;
                }

                double speedup = Time("f32", 32, context) / Time(format, 32, context);
                string share = bandwidth is double roof
                    ? ", " + ResultsReport.Format(100 * KvCacheDecodeBenchmarks.KvBytesRead(format, 32, context) / (Time(format, 32, context) * 1e3) / roof, "0") + "% of bandwidth"
                    : "";
                bool shareMet = bandwidth is not double b || KvCacheDecodeBenchmarks.KvBytesRead(format, 32, context) / (Time(format, 32, context) * 1e3) >= 0.8 * b;
                document.AppendLine($"| MHA {ResultsReport.Format(context)}: {format} ≥ {ResultsReport.Format(goal)}× f32 at ≥ 80% of bandwidth | {ResultsReport.Format(speedup, "0.00")}×{share} | {(speedup >= goal && shareMet ? (bandwidth is null ? "yes (speed; bandwidth not measured)" : "yes") : "**no**")} |");
            }
        }

        foreach (int context in rows.Where(r => r.KvHeads == 1).Select(r => r.Context).Distinct().OrderBy(c => c))
        {
            var slower = Formats.Where(f => f != "f32" && Has(f, 1, context) && Has("f32", 1, context) && Time(f, 1, context) > Time("f32", 1, context))
                .Select(f => $"{f} {ResultsReport.Format(100 * (Time(f, 1, context) / Time("f32", 1, context) - 1), "0")}% slower").ToList();
            document.AppendLine($"| MQA {ResultsReport.Format(context)}: no format slower than f32 | {(slower.Count == 0 ? "none slower" : string.Join(", ", slower))} | {(slower.Count == 0 ? "yes" : "**no**")} |");
        }

        Environment(table, document);
    }
}
