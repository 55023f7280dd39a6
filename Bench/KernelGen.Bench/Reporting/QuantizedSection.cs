using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// Quantized GGUF weights: each matrix-vector kernel alone (bytes read per second, against F32), and
/// the TinyLlama-shaped files llama.cpp quantized, decoded by KernelGen and by llama.cpp side by side
/// (tokens/s, the file's bytes per token as a share of the read roof, and the target ratio).
/// </summary>
internal sealed class QuantizedSection : ReportSection
{
    private const double Target = 1.2;

    public override string[] Tables => new[] { "QuantizedMatrixVectorBenchmarks", "QuantizedPeerBenchmarks" };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var products = tables[0].Rows.Select(r => (
            Type: r["Type"],
            Int8: r["Int8Activations"] == "True",
            Us: BenchmarkTable.MeanMicroseconds(r),
            GBs: BenchmarkTable.Number(r, "GB/s"))).ToList();
        var decodes = tables[1].Rows.Select(r => (
            File: r["Quantization"],
            Position: (int)BenchmarkTable.Number(r, "Position"),
            Engine: r["Engine"],
            TokensPerSecond: BenchmarkTable.Number(r, "Op/s"),
            GBs: BenchmarkTable.Number(r, "GB/s"))).ToList();
        // The roof of the machine the decode table ran on (these suites are often rerun apart from the rest).
        double? roof = RoofsOf(tables[1])?.BandwidthGBs;

        document.AppendLine("## Quantized weights");
        document.AppendLine();
        document.AppendLine("### One matrix-vector product per weight type");
        document.AppendLine();
        document.AppendLine("TinyLlama's feed-forward up projection (5632 × 2048) on one thread (`QuantizedMatrixVectorBenchmarks`),");
        document.AppendLine("float32 activations and activations rounded to 8 bits (the integer kernels, as ggml rounds them).");
        document.AppendLine("GB/s is the matrix's bytes over the time. The quantized matrices (3–13 MB) fit in a last-level cache of 16 MB or more,");
        document.AppendLine("the F32 one (46 MB) streams from memory: a type read slower than F32 is bound by its unpacking, not its bytes.");
        document.AppendLine();
        document.AppendLine("| type | float x (µs) | GB/s | 8-bit x (µs) | GB/s | best GB/s / F32's |");
        document.AppendLine("|---|---:|---:|---:|---:|---:|");
        double f32 = products.Where(p => p.Type == "F32").Select(p => p.GBs).DefaultIfEmpty(0).Max();
        foreach (string type in products.Select(p => p.Type).Distinct())
        {
            var plain = products.FirstOrDefault(p => p.Type == type && !p.Int8);
            var int8 = products.FirstOrDefault(p => p.Type == type && p.Int8);
            string Cell((string Type, bool Int8, double Us, double GBs) p) =>
                p.Type is null ? "– | –" : ResultsReport.Format(p.Us, "0.0") + " | " + ResultsReport.Format(p.GBs, "0.0");
            double best = System.Math.Max(plain.GBs, int8.GBs);
            document.AppendLine($"| {type} | {Cell(plain)} | {Cell(int8)} | {(f32 > 0 ? ResultsReport.Format(best / f32, "0.00") : "–")} |");
        }

        document.AppendLine();
        document.AppendLine("### Decoding files llama.cpp quantized, against llama.cpp");
        document.AppendLine();
        document.AppendLine("A random model of TinyLlama's shape (dim 2048, 16 layers, 32 query / 8 KV heads, hidden 5632, vocab 32000)");
        document.AppendLine("written as F16 GGUF and quantized by llama.cpp's own quantizer (`QuantizedPeerBenchmarks`): 8 greedy tokens");
        document.AppendLine("after a prompt of Position tokens, two threads each, float32 KV caches; 15 iterations per case, the engines of a row");
        document.AppendLine("run back to back (this host's read bandwidth drifts over minutes). GB/s is the file's bytes per token");
        document.AppendLine($"over the time per token{(roof is double r ? $" (the read roof: {ResultsReport.Format(r, "0.0")} GB/s, `MachineLimitsBenchmarks` on the same machine)" : " (no read roof was measured on this machine)")}; llama.cpp runs without and with flash attention.");
        document.AppendLine();
        var engines = decodes.Select(d => d.Engine).Distinct().ToList();
        document.AppendLine("| file | position | " + string.Join(" | ", engines.Select(e => $"{e} (tok/s) | GB/s")) + $" | KernelGen / faster llama.cpp (target ≥ {ResultsReport.Format(Target)}) |");
        document.AppendLine("|---|---:|" + string.Concat(engines.Select(_ => "---:|---:|")) + "---:|");
        foreach (var group in decodes.GroupBy(d => (d.Position, d.File)).OrderBy(g => g.Key.Position).ThenBy(g => g.Key.File))
        {
            string Share(double gbs) => ResultsReport.Format(gbs, "0.0") + (roof is double r ? $" ({ResultsReport.Format(100 * gbs / r, "0")}%)" : "");
            var cells = engines.Select(e => group.FirstOrDefault(d => d.Engine == e) is var d && d.Engine is not null
                ? ResultsReport.Format(d.TokensPerSecond, "0.0") + " | " + Share(d.GBs)
                : "– | –");
            double ours = group.Where(d => d.Engine == "KernelGen").Select(d => d.TokensPerSecond).DefaultIfEmpty(0).First();
            // The faster llama.cpp configuration (with or without flash attention) is the one to beat.
            double peer = group.Where(d => d.Engine.StartsWith("llama.cpp", System.StringComparison.Ordinal)).Select(d => d.TokensPerSecond).DefaultIfEmpty(0).Max();
            string ratio = ours > 0 && peer > 0 ? ResultsReport.Format(ours / peer, "0.00") + (ours / peer >= Target ? "" : " (not met)") : "–";
            document.AppendLine($"| {group.Key.File} | {group.Key.Position} | {string.Join(" | ", cells)} | {ratio} |");
        }

        Environment(tables[1], document);
    }
}
