using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Bench.Peers;
using Microsoft.ML.OnnxRuntime;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// ONNX Runtime as a peer: decode time per token and prefill time per prompt for ORT's
/// GroupQueryAttention, our generated kernels and our generic kernels, side by side, with the
/// throughput each reaches and the ratios ORT / generated and generated / generic.
/// </summary>
internal sealed class OnnxPeerSection : ReportSection
{
    private static readonly string[] Engines = { PeerKernels.OnnxRuntime, PeerKernels.Generated, PeerKernels.Generic };

    public override string[] Tables => new[] { "OnnxPeerDecodeBenchmarks", "OnnxPeerPrefillBenchmarks" };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        document.AppendLine("## ONNX Runtime as a peer");
        document.AppendLine();
        document.AppendLine($"The peer is ONNX Runtime {OrtEnv.Instance().GetVersionString()} on the CPU running its `com.microsoft` contrib operator");
        document.AppendLine("`GroupQueryAttention` (fp32, no rotary, scale 1/√head_dim, causal) in a one-node model built in code");
        document.AppendLine("(`Bench/KernelGen.Bench/Peers/OnnxAttentionGraph.cs`). Its tensors are preallocated arrays bound once");
        document.AppendLine("through an `OrtIoBinding`, and for decode `present_key`/`present_value` share the buffers of");
        document.AppendLine("`past_key`/`past_value`, so a step times the operator, not marshalling or a cache copy.");
        document.AppendLine("**generated** are the kernels the source generator emitted for the exact shape; **generic** are our");
        document.AppendLine("vectorized kernels with the shape as run-time values. Threads: ORT's intra-op pool and our shared");
        document.AppendLine("worker pool both use `Environment.ProcessorCount` threads, the caller's included. Every engine runs");
        document.AppendLine("in its own process on the same inputs, and `Tests/KernelGen.Peers.Tests` checks that the three");
        document.AppendLine("agree with the double-precision reference within 1e-4 on these shapes.");
        document.AppendLine();
        document.AppendLine("Ratios are of times: **ORT / generated** above 1 means the generated kernels are faster than ORT;");
        document.AppendLine("**generated / generic** below 1 means specialization pays.");

        RenderDecode(tables[0], document, plotFolder);
        RenderPrefill(tables[1], document, plotFolder);
    }

    private void RenderDecode(BenchmarkTable table, StringBuilder document, string plotFolder)
    {
        document.AppendLine();
        document.AppendLine("### Decode: one token against a filled KV cache");
        document.AppendLine();
        document.AppendLine("d_model 4096, 32 query heads of 128, one layer; 32 KV heads (MHA), 8 (GQA) or 1 (MQA). The new");
        document.AppendLine("token is written at position context − 1 and attends `context` keys. GB/s = bytes of keys and");
        document.AppendLine("values read (2 · context · KV heads · 128 · 4 B) / time per token.");
        document.AppendLine();

        var times = Times(table, "KvHeads", "Context");
        double? bandwidth = Limits?.BandwidthGBs;
        document.AppendLine("| KV heads | context | ORT (µs) | generated (µs) | generic (µs) | ORT GB/s | generated GB/s | generic GB/s | ORT / generated | generated / generic |" + (bandwidth is null ? "" : " generated, % of bandwidth |"));
        document.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (bandwidth is null ? "" : "---:|"));
        foreach (var shape in times.Keys.OrderByDescending(k => k.Group).ThenBy(k => k.Size))
        {
            var us = times[shape];
            double bytes = OnnxPeerDecodeBenchmarks.KvBytesRead(shape.Group, shape.Size);
            document.AppendLine(Row(shape.Group, shape.Size, us, us, micros => bytes / (micros * 1e3), "0.0", "0.0", bandwidth));
        }

        AppendGeometricMeans(document, times);
        document.AppendLine();
        var series = SeriesOf(times, kvHeads => $"{kvHeads} KV heads", (kvHeads, context, micros) => OnnxPeerDecodeBenchmarks.KvBytesRead(kvHeads, context) / (micros * 1e3));
        string plot = Plot(plotFolder, "onnx-peer-decode.png", "Decode: KV cache bandwidth vs context", "context (keys attended)", "GB/s (KV bytes read / time)", series);
        document.AppendLine($"![Decode bandwidth against context, ORT vs generated vs generic](plots/{plot})");
        Environment(table, document);
    }

    private void RenderPrefill(BenchmarkTable table, StringBuilder document, string plotFolder)
    {
        document.AppendLine();
        document.AppendLine("### Prefill: a whole prompt, causal, dense");
        document.AppendLine();
        document.AppendLine("8 heads, MHA, one layer, head_dim 64 and 128; n tokens written to the cache and each attending");
        document.AppendLine("itself and the ones before it. GFLOP/s = 4 · n²/2 · heads · head_dim / time (the useful work of");
        document.AppendLine("the causal triangle; an engine that also computes the masked half does not get credit for it).");
        document.AppendLine();

        var times = Times(table, "HeadDim", "N");
        double? peak = Limits?.PeakGflops;
        document.AppendLine("| head_dim | n | ORT (ms) | generated (ms) | generic (ms) | ORT GFLOP/s | generated GFLOP/s | generic GFLOP/s | ORT / generated | generated / generic |" + (peak is null ? "" : " generated, % of FMA peak |"));
        document.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (peak is null ? "" : "---:|"));
        foreach (var shape in times.Keys.OrderBy(k => k.Group).ThenBy(k => k.Size))
        {
            var us = times[shape];
            double flops = OnnxPeerPrefillBenchmarks.Flops(shape.Group, shape.Size);
            var ms = us.ToDictionary(e => e.Key, e => e.Value / 1000);
            document.AppendLine(Row(shape.Group, shape.Size, ms, us, micros => flops / (micros * 1e3), "0.00", "0.0", peak));
        }

        AppendGeometricMeans(document, times);
        document.AppendLine();
        var series = SeriesOf(times, headDim => $"head_dim {headDim}", (headDim, n, micros) => OnnxPeerPrefillBenchmarks.Flops(headDim, n) / (micros * 1e3));
        string plot = Plot(plotFolder, "onnx-peer-prefill.png", "Prefill: attention throughput vs prompt length", "prompt length n", "GFLOP/s (4·n²/2·heads·head_dim / time)", series);
        document.AppendLine($"![Prefill throughput against prompt length, ORT vs generated vs generic](plots/{plot})");
        Environment(table, document);
    }

    /// <summary>Mean time in µs per (group parameter, size parameter) and engine.</summary>
    private static Dictionary<(int Group, int Size), Dictionary<string, double>> Times(BenchmarkTable table, string group, string size) =>
        table.Rows
            .GroupBy(r => ((int)BenchmarkTable.Number(r, group), (int)BenchmarkTable.Number(r, size)))
            .Where(g => Engines.All(e => g.Any(r => r["Engine"] == e)))
            .ToDictionary(g => g.Key, g => Engines.ToDictionary(e => e, e => BenchmarkTable.Number(g.First(r => r["Engine"] == e), "Mean [us]")));

    private static string Row(int group, int size, Dictionary<string, double> shown, Dictionary<string, double> micros,
        Func<double, double> throughput, string timeFormat, string throughputFormat, double? roof)
    {
        var cells = new List<string> { ResultsReport.Format(group), ResultsReport.Format(size) };
        cells.AddRange(Engines.Select(e => ResultsReport.Format(shown[e], timeFormat)));
        cells.AddRange(Engines.Select(e => ResultsReport.Format(throughput(micros[e]), throughputFormat)));
        cells.Add(ResultsReport.Format(micros[PeerKernels.OnnxRuntime] / micros[PeerKernels.Generated], "0.00"));
        cells.Add(ResultsReport.Format(micros[PeerKernels.Generated] / micros[PeerKernels.Generic], "0.00"));
        if (roof is double limit)
        {
            cells.Add(ResultsReport.Format(100 * throughput(micros[PeerKernels.Generated]) / limit, "0") + "%");
        }

        return "| " + string.Join(" | ", cells) + " |";
    }

    /// <summary>One line of geometric-mean ratios over all shapes of the suite: the summary a reader looks for first.</summary>
    private static void AppendGeometricMeans(StringBuilder document, Dictionary<(int Group, int Size), Dictionary<string, double>> times)
    {
        double GeometricMean(Func<Dictionary<string, double>, double> ratio) => Math.Exp(times.Values.Average(t => Math.Log(ratio(t))));
        double onnxOverGenerated = GeometricMean(t => t[PeerKernels.OnnxRuntime] / t[PeerKernels.Generated]);
        double generatedOverGeneric = GeometricMean(t => t[PeerKernels.Generated] / t[PeerKernels.Generic]);
        int faster = times.Values.Count(t => t[PeerKernels.Generated] < t[PeerKernels.OnnxRuntime]);
        document.AppendLine();
        document.AppendLine($"Geometric mean over the {times.Count} shapes: ORT / generated = **{ResultsReport.Format(onnxOverGenerated, "0.00")}**, " +
            $"generated / generic = **{ResultsReport.Format(generatedOverGeneric, "0.00")}**; the generated kernels beat ORT on {faster} of {times.Count}.");
    }

    private static List<(string Engine, string Group, List<(double X, double Y)> Points)> SeriesOf(
        Dictionary<(int Group, int Size), Dictionary<string, double>> times, Func<int, string> groupName, Func<int, int, double, double> throughput) =>
        (from engine in Engines
         from g in times.Keys.Select(k => k.Group).Distinct().OrderByDescending(g => g)
         select (engine, groupName(g), times.Where(t => t.Key.Group == g).OrderBy(t => t.Key.Size)
             .Select(t => ((double)t.Key.Size, throughput(t.Key.Group, t.Key.Size, t.Value[engine]))).ToList())).ToList();

    /// <summary>Throughput against a log-scaled size: one colour per engine, one line pattern and marker per shape group.</summary>
    private static string Plot(string folder, string file, string title, string xLabel, string yLabel,
        List<(string Engine, string Group, List<(double X, double Y)> Points)> series)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var patterns = new[] { ScottPlot.LinePattern.Solid, ScottPlot.LinePattern.Dashed, ScottPlot.LinePattern.Dotted };
        var markers = new[] { ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare, ScottPlot.MarkerShape.FilledTriangleUp };
        var groups = series.Select(s => s.Group).Distinct().ToList();
        var plot = new ScottPlot.Plot();
        foreach (var (engine, group, points) in series)
        {
            var scatter = plot.Add.Scatter(points.Select(p => Math.Log10(p.X)).ToArray(), points.Select(p => p.Y).ToArray());
            int groupIndex = groups.IndexOf(group) % patterns.Length;
            scatter.Color = palette.GetColor(Array.IndexOf(Engines, engine));
            scatter.LinePattern = patterns[groupIndex];
            scatter.MarkerShape = markers[groupIndex];
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
            scatter.LegendText = $"{engine}, {group}";
        }

        // A log x axis: data are plotted as log10 and the ticks labelled with the sizes.
        var xTicks = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().OrderBy(x => x).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks.Select(Math.Log10).ToArray(), xTicks.Select(x => ResultsReport.Format(x)).ToArray());
        plot.Axes.SetLimitsY(0, series.SelectMany(s => s.Points).Max(p => p.Y) * 1.1);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        // Beside the plot, not over it: nine series would hide points.
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(Path.Combine(folder, file), 1000, 560);
        return file;
    }
}
