using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// Sparse attention: prefill time against sequence length per pattern, with each pattern's fitted
/// growth exponent and the Dense / Strided ratio at the longest length; decode time per token
/// against context length.
/// </summary>
internal sealed class SparseSection : ReportSection
{
    private static readonly string[] Patterns = { "Dense", "Strided", "Fixed", "SlidingWindow" };

    public override string[] Tables => new[] { "SparsePrefillBenchmarks", "SparseDecodeBenchmarks" };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var prefill = tables[0];
        var decode = tables[1];
        document.AppendLine("## Sparse attention");
        document.AppendLine();
        document.AppendLine("Generated kernels, one layer, 8 query heads sharing one KV head (MQA), head_dim 64. Strided and");
        document.AppendLine("Fixed use l = √n rounded to a multiple of 16 (32, 48, 64, 96, 128); Fixed keeps c = 8 summary");
        document.AppendLine("keys per block; the sliding window is 256 keys.");
        document.AppendLine();
        document.AppendLine("### Prefill: time for a whole sequence of n tokens");
        document.AppendLine();

        var times = Patterns.ToDictionary(p => p, p => prefill.Rows
            .Where(r => r["Pattern"] == p)
            .Select(r => (N: BenchmarkTable.Number(r, "N"), Ms: BenchmarkTable.Number(r, "Mean [us]") / 1000))
            .OrderBy(x => x.N).ToList());
        var lengths = times["Dense"].Select(x => x.N).ToList();

        // Dense does 4·n²/2·heads·head_dim useful flops (8 heads of 64): its share of the FMA peak.
        double? peak = Limits?.PeakGflops;
        document.AppendLine("| n | " + string.Join(" | ", Patterns.Select(p => p + " (ms)")) + " |" + (peak is null ? "" : " Dense, % of FMA peak |"));
        document.AppendLine("|---:|" + string.Concat(Patterns.Select(_ => "---:|")) + (peak is null ? "" : "---:|"));
        foreach (double n in lengths)
        {
            double denseMs = times["Dense"].First(x => x.N == n).Ms;
            string share = peak is double roof ? " " + ResultsReport.Format(100 * (4.0 * n * n / 2 * 8 * 64) / (denseMs * 1e6) / roof, "0") + "% |" : "";
            document.AppendLine("| " + ResultsReport.Format(n) + " | " + string.Join(" | ", Patterns.Select(p => ResultsReport.Format(times[p].First(x => x.N == n).Ms, "0.0"))) + " |" + share);
        }

        document.AppendLine();
        document.AppendLine("| pattern | fitted exponent (log-log slope of time against n) |");
        document.AppendLine("|---|---:|");
        foreach (string pattern in Patterns)
        {
            document.AppendLine("| " + pattern + " | " + ResultsReport.Format(Fit.LogLogSlope(times[pattern].Select(x => (x.N, x.Ms)).ToList()), "0.00") + " |");
        }

        double longest = lengths.Max();
        double ratio = times["Dense"].First(x => x.N == longest).Ms / times["Strided"].First(x => x.N == longest).Ms;
        document.AppendLine();
        document.AppendLine($"At n = {ResultsReport.Format(longest)}, Strided is **{ResultsReport.Format(ratio, "0.0")}×** faster than Dense (same kernel family: generated).");
        document.AppendLine();
        string prefillPlot = Plot(plotFolder, "sparse-prefill.png", "Prefill time vs sequence length (log-log)", "sequence length n", "time (ms)",
            Patterns.Select(p => (p, times[p].Select(x => (x.N, x.Ms)).ToList())).ToList());
        document.AppendLine($"![Prefill time against sequence length](plots/{prefillPlot})");
        Environment(prefill, document);

        document.AppendLine();
        document.AppendLine("### Decode: time per token against context length");
        document.AppendLine();
        var decodePatterns = decode.Rows.Select(r => r["Pattern"]).Distinct().ToList();
        var perToken = decodePatterns.ToDictionary(p => p, p => decode.Rows
            .Where(r => r["Pattern"] == p)
            .Select(r => (Context: BenchmarkTable.Number(r, "Context") + 1, Us: BenchmarkTable.Number(r, "Mean [us]")))
            .OrderBy(x => x.Context).ToList());
        // Dense reads every cached key and value of the one KV head (head_dim 64): its share of the bandwidth.
        double? bandwidth = Limits?.BandwidthGBs;
        bool dense = decodePatterns.Contains("Dense");
        string bandwidthHeader = bandwidth is null || !dense ? "" : " Dense, % of bandwidth |";
        document.AppendLine("| keys in context | " + string.Join(" | ", decodePatterns.Select(p => p + " (µs)")) + " |" + bandwidthHeader);
        document.AppendLine("|---:|" + string.Concat(decodePatterns.Select(_ => "---:|")) + (bandwidthHeader.Length > 0 ? "---:|" : ""));
        foreach (double context in perToken[decodePatterns[0]].Select(x => x.Context))
        {
            string share = bandwidthHeader.Length > 0
                ? " " + ResultsReport.Format(100 * (2.0 * context * 64 * sizeof(float)) / (perToken["Dense"].First(x => x.Context == context).Us * 1e3) / bandwidth!.Value, "0") + "% |"
                : "";
            document.AppendLine("| " + ResultsReport.Format(context) + " | " + string.Join(" | ", decodePatterns.Select(p => ResultsReport.Format(perToken[p].First(x => x.Context == context).Us, "0.0"))) + " |" + share);
        }

        document.AppendLine();
        string decodePlot = Plot(plotFolder, "sparse-decode.png", "Decode time per token vs context (log-log)", "context length", "time per token (µs)",
            decodePatterns.Select(p => (p, perToken[p].Select(x => (x.Context, x.Us)).ToList())).ToList());
        document.AppendLine($"![Decode time per token against context length](plots/{decodePlot})");
        Environment(decode, document);
    }

    internal static string Plot(string folder, string file, string title, string xLabel, string yLabel, List<(string Name, List<(double X, double Y)> Points)> series)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, points) in series)
        {
            var scatter = plot.Add.Scatter(points.Select(p => Math.Log10(p.X)).ToArray(), points.Select(p => Math.Log10(p.Y)).ToArray());
            scatter.LegendText = name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }

        // Log axes: data are plotted as log10 and the ticks labelled with the values.
        var xTicks = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().OrderBy(x => x).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks.Select(Math.Log10).ToArray(), xTicks.Select(x => ResultsReport.Format(x)).ToArray());
        var yValues = series.SelectMany(s => s.Points.Select(p => p.Y)).ToList();
        var yTicks = Enumerable.Range((int)Math.Floor(Math.Log10(yValues.Min())), (int)Math.Ceiling(Math.Log10(yValues.Max())) - (int)Math.Floor(Math.Log10(yValues.Min())) + 1)
            .Select(e => Math.Pow(10, e)).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(yTicks.Select(Math.Log10).ToArray(), yTicks.Select(y => ResultsReport.Format(y, "0.###")).ToArray());
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(Path.Combine(folder, file), 800, 500);
        return file;
    }
}
