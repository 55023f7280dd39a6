using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Bench.Peers;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// The performance targets, each with its measured value, computed from the suites' CSV: a
/// reader sees in one table what is met and what is not. Where a target is not met, the roofline
/// of the measured limits says how far the machine itself would allow it to go.
/// </summary>
internal sealed class TargetsSection : ReportSection
{
    /// <summary>Heads of the decode models (d_model 4096 / head_dim 128).</summary>
    private const int DecodeHeads = 32;

    private const int LongContext = 32768;

    private readonly string _resultsFolder;

    public TargetsSection(string resultsFolder) => _resultsFolder = resultsFolder;

    /// <summary>
    /// llama2.c's <c>run.c</c> cannot run inside BenchmarkDotNet; its tokens/s, measured beside the
    /// end-to-end suite, are recorded in this file (columns: measure, tokens/s, how).
    /// </summary>
    public const string RunCFile = "llama2c-run.c-stories260K.csv";

    public override string[] Tables => new[]
    {
        "MachineLimitsBenchmarks", "OnnxPeerDecodeBenchmarks", "OnnxPeerPrefillBenchmarks", "EndToEndBenchmarks", "SparsePrefillBenchmarks",
        "StoriesPeerBenchmarks", "MqaPeerBenchmarks",
    };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var byName = tables.ToDictionary(t => t.Name);
        var (peak, bandwidth) = LimitsSection.Measured(byName)!.Value;
        string machine = tables[0].Machine;
        var decode = tables[1];
        var prefill = tables[2];
        var endToEnd = tables[3];
        var sparse = tables[4];

        // A share of a roof means something only when both were measured on one machine.
        bool Here(BenchmarkTable table) => table.Machine == machine;

        document.AppendLine("## Targets");
        document.AppendLine();
        document.AppendLine($"Against the roofs measured below ({Format(peak, "0.0")} GFLOP/s fp32 FMA, {Format(bandwidth, "0.0")} GB/s read, all cores),");
        document.AppendLine($"on {(machine.Length > 0 ? machine : "the limits suite's machine")}. Each value is computed from the tables further down;");
        document.AppendLine("a table measured on another machine is not compared with these roofs (its row says so).");
        document.AppendLine();
        document.AppendLine("| target | goal | measured | met |");
        document.AppendLine("|---|---:|---:|:---:|");

        // Dense causal prefill, 8 heads, n 2048…16384: share of the FMA peak.
        foreach (int headDim in new[] { 64, 128 })
        {
            string target = $"dense causal prefill, 8 heads, head_dim {headDim}, n 2048–16384: share of FMA peak";
            if (!Here(prefill))
            {
                Elsewhere(document, target, "≥ 70%", prefill);
                continue;
            }

            var shares = prefill.Rows
                .Where(r => r["Engine"] == PeerKernels.Generated && (int)BenchmarkTable.Number(r, "HeadDim") == headDim && BenchmarkTable.Number(r, "N") >= 2048)
                .Select(r => OnnxPeerPrefillBenchmarks.Flops(headDim, (int)BenchmarkTable.Number(r, "N")) / (BenchmarkTable.MeanMicroseconds(r) * 1e3) / peak)
                .ToList();
            Row(document, target, "≥ 70%", $"{Percent(shares.Min())}–{Percent(shares.Max())}", shares.Min() >= 0.7);
        }

        var onnxPrefill = Ratios(prefill, PeerKernels.OnnxRuntime, PeerKernels.Generated, r => BenchmarkTable.Number(r, "N") >= 512);
        Row(document, "ORT / generated time, dense causal prefill, every shape from n 512", "≥ 1.25×",
            $"{onnxPrefill.Count(r => r >= 1.25)} of {onnxPrefill.Count}; {Format(onnxPrefill.Min(), "0.00")}–{Format(onnxPrefill.Max(), "0.00")}×", onnxPrefill.All(r => r >= 1.25));

        // MQA decode: the binding roof is the larger of the FMA time and the read time.
        double flopsPerContext = 4.0 * DecodeHeads * PeerKernels.DecodeHeadDim;
        foreach (int context in new[] { 16384, LongContext })
        {
            string target = $"MQA decode (32 q heads / 1 KV head, head_dim 128) at {context / 1024}K: share of the binding roof";
            if (!Here(decode))
            {
                Elsewhere(document, target, "≥ 70%", decode);
                continue;
            }

            double micros = Mean(decode, PeerKernels.Generated, ("KvHeads", 1), ("Context", context));
            double computeFloor = flopsPerContext * context / (peak * 1e3);
            double readFloor = OnnxPeerDecodeBenchmarks.KvBytesRead(1, context) / (bandwidth * 1e3);
            double share = Math.Max(computeFloor, readFloor) / micros;
            Row(document, target, "≥ 70%", $"{Percent(share)} ({(computeFloor >= readFloor ? "FMA" : "read")}-bound; {Format(micros, "0")} µs)", share >= 0.7);
        }

        double mhaMicros = Mean(decode, PeerKernels.Generated, ("KvHeads", DecodeHeads), ("Context", LongContext));
        double mhaShare = OnnxPeerDecodeBenchmarks.KvBytesRead(DecodeHeads, LongContext) / (mhaMicros * 1e3) / bandwidth;
        if (Here(decode))
        {
            Row(document, "MHA decode (32 KV heads) at 32K: share of read bandwidth", "≥ 85%", $"{Percent(mhaShare)} ({Format(mhaMicros, "0")} µs)", mhaShare >= 0.85);
        }
        else
        {
            Elsewhere(document, "MHA decode (32 KV heads) at 32K: share of read bandwidth", "≥ 85%", decode);
        }

        var onnxDecode = Ratios(decode, PeerKernels.OnnxRuntime, PeerKernels.Generated, _ => true);
        Row(document, "ORT / generated time, decode, every shape", "≥ 1.0×",
            $"{onnxDecode.Count(r => r >= 1)} of {onnxDecode.Count}; {Format(onnxDecode.Min(), "0.00")}–{Format(onnxDecode.Max(), "0.00")}×", onnxDecode.All(r => r >= 1));

        // Generated against generic, on every benchmarked shape.
        foreach (var (name, table) in new[] { ("prefill", prefill), ("decode", decode) })
        {
            var ratios = Ratios(table, PeerKernels.Generic, PeerKernels.Generated, _ => true);
            Row(document, $"generic / generated time, {name}, every shape", "≥ 1.0×",
                $"{ratios.Count(r => r >= 1)} of {ratios.Count}; {Format(ratios.Min(), "0.00")}–{Format(ratios.Max(), "0.00")}× (geometric mean {Format(GeometricMean(ratios), "0.00")}×)", ratios.All(r => r >= 1));
        }

        // stories260K against run.c, measured on the same machine as the end-to-end suite.
        double generatedRate = 1e6 / BenchmarkTable.MeanMicroseconds(endToEnd.Rows.First(r => r["Kernels"] == StoriesModel.Generated));
        var runC = ReadRunC();
        if (runC.Measurements.Count > 0)
        {
            var best = runC.Measurements.MaxBy(m => m.TokensPerSecond);
            double ratio = generatedRate / best.TokensPerSecond;
            const string target = "stories260K golden run: generated tokens/s over run.c's achieved tok/s";
            if (runC.Machine.Length > 0 && runC.Machine != endToEnd.Machine)
            {
                Row(document, target, "≥ 3×", $"not compared: run.c on {runC.Machine}, the suite on {endToEnd.Machine}", null);
            }
            else
            {
                Row(document, target, "≥ 3×", $"{Format(ratio, "0.00")}× ({Format(generatedRate, "#,0")} against {Format(best.TokensPerSecond, "#,0")})", ratio >= 3);
            }
        }

        // llama.cpp on the same F32 GGUF files (the checkpoint issue's targets).
        foreach (var (table, name) in new[] { (tables[5], "stories260K"), (tables[6], "MQA dim 768 × 12 layers at 3K context") })
        {
            double ours = BenchmarkTable.MeanMicroseconds(table.Rows.First(r => r["Engine"] == LlamaCpp.PeerDecodeBenchmarks.KernelGenEngine));
            double theirs = BenchmarkTable.MeanMicroseconds(table.Rows.First(r => r["Engine"] == LlamaCpp.PeerDecodeBenchmarks.LlamaCppEngine));
            Row(document, $"KernelGen / llama.cpp tokens/s, {name}", "≥ 1.0×", Format(theirs / ours, "0.00") + "×", theirs >= ours);
        }

        // Sparse prefill (the sparse issue's targets, same document): ratios within one table.
        var strided = SparseTimes(sparse, "Strided");
        var dense = SparseTimes(sparse, "Dense");
        double exponent = Fit.LogLogSlope(strided);
        double longest = strided.Max(p => p.X);
        double speedup = dense.First(p => p.X == longest).Y / strided.First(p => p.X == longest).Y;
        Row(document, "Strided prefill: growth exponent in n", "≤ 1.6", Format(exponent, "0.00"), exponent <= 1.6);
        Row(document, $"Dense / Strided prefill time at n = {Format(longest, "0")}", "≥ 10×", Format(speedup, "0.0") + "×", speedup >= 10);

        document.AppendLine();
        document.AppendLine("Ratios (ORT, generic, llama.cpp, sparse) compare engines within one table, measured side by side in one run.");
        foreach (var table in tables.Skip(1).Where(t => !Here(t)))
        {
            document.AppendLine($"`{table.Name}` was measured on {(table.Machine.Length > 0 ? table.Machine : "an unrecorded machine")}.");
        }

        document.AppendLine();
        if (!Here(prefill) || !Here(decode))
        {
            return;
        }

        document.AppendLine("What the roofline allows, from the measured roofs:");
        document.AppendLine();
        double flops = flopsPerContext * LongContext;
        double mqaMicros = Mean(decode, PeerKernels.Generated, ("KvHeads", 1), ("Context", LongContext));
        double mqaComputeFloor = flops / (peak * 1e3);
        double mqaMemoryFloor = OnnxPeerDecodeBenchmarks.KvBytesRead(1, LongContext) / (bandwidth * 1e3);
        double mhaMemoryFloor = OnnxPeerDecodeBenchmarks.KvBytesRead(DecodeHeads, LongContext) / (bandwidth * 1e3);
        document.AppendLine($"- MQA decode at 32K: {DecodeHeads} query heads share the one KV head, so a token does {Format(flops / 1e9, "0.00")} GFLOP on");
        document.AppendLine($"  {Format(OnnxPeerDecodeBenchmarks.KvBytesRead(1, LongContext) / 1e6, "0.0")} MB of cache: {Format(mqaComputeFloor, "0")} µs at the FMA peak against {Format(mqaMemoryFloor, "0")} µs at the");
        document.AppendLine($"  bandwidth. Measured: {Format(mqaMicros, "0")} µs, {Percent(flops / (mqaMicros * 1e3) / peak)} of the FMA peak. The engine stacks the 32 query");
        document.AppendLine("  heads as the lanes of two vectors (key-major: Qᵀ built once per step, each key's numbers broadcast from the");
        document.AppendLine("  cache, the online softmax down the keys with a row per lane), so no key block is transposed per step.");
        document.AppendLine($"- MHA / MQA at 32K: MHA must read {Format(OnnxPeerDecodeBenchmarks.KvBytesRead(DecodeHeads, LongContext) / 1e9, "0.00")} GB ({Format(mhaMemoryFloor, "0")} µs at the bandwidth; measured");
        document.AppendLine($"  {Format(mhaMicros, "0")} µs, {Percent(mhaShare)} of it), so the best ratio this machine allows is");
        document.AppendLine($"  {Format(mhaMemoryFloor / Math.Max(mqaComputeFloor, mqaMemoryFloor), "0.0")}×, not the 32× of the bytes; measured {Format(mhaMicros / mqaMicros, "0.0")}×.");
        document.AppendLine("- Dense prefill runs Q·Kᵀ as a register-tiled GEMM on a packed, transposed key block (keys along the");
        document.AppendLine("  lanes) and P·V as a register-tiled GEMM with the output tile held across the block (the planner's");
        document.AppendLine("  choice and its reason are in each generated file's header). What separates it from the FMA peak is");
        document.AppendLine("  the online softmax between the two products (per vector of scores: a subtract, an exp of 13 vector instructions,");
        document.AppendLine("  a max and an add), packing each key block once per 256-row query tile, and the masked half of the");
        document.AppendLine("  diagonal's 64 × 64 blocks (a diagonal block is computed for the rows at or below it only). At head_dim 64");
        document.AppendLine("  the softmax costs twice its share at 128 (per score, half the multiply-adds), hence the lower shares there.");
        document.AppendLine("- Generated against generic: both run `AttentionEngine` over the same packed microkernels, the generic");
        document.AppendLine("  one with head_dim at run time. At head_dim 64 and 128 the inner loops are long enough that a constant");
        document.AppendLine("  head_dim buys little; differences of a few percent either way are within this machine's run-to-run");
        document.AppendLine("  noise (see the error columns in Bench/results).");
        if (runC.Measurements.Count > 0)
        {
            document.AppendLine($"- run.c (llama2.c, `gcc -Ofast -march=native`, with `-fopenmp` and 2 threads or without, whichever is faster there), measured beside the end-to-end suite,");
            document.AppendLine($"  recorded in `Bench/results/{RunCFile}`: " +
                string.Join("; ", runC.Measurements.Select(m => $"{m.Measure} {Format(m.TokensPerSecond, "#,0")} tok/s")) + $". Generated: {Format(generatedRate, "#,0")} tok/s (mean).");
        }
    }

    private static void Elsewhere(StringBuilder document, string target, string goal, BenchmarkTable table) =>
        Row(document, target, goal, $"not compared: `{table.Name}` measured on another machine", null);

    /// <summary>
    /// run.c's measurements, and the machine they were taken on from a <c># machine: …</c> comment
    /// (the environment line of the suite it was measured beside; empty when the file has none).
    /// </summary>
    private (List<(string Measure, double TokensPerSecond)> Measurements, string Machine) ReadRunC()
    {
        string path = Path.Combine(_resultsFolder, RunCFile);
        if (!File.Exists(path))
        {
            return (new(), string.Empty);
        }

        const string machinePrefix = "# machine:";
        var lines = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).ToList();
        string machine = lines.FirstOrDefault(l => l.StartsWith(machinePrefix, StringComparison.Ordinal))?.Substring(machinePrefix.Length).Trim() ?? string.Empty;
        var measurements = lines.Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(','))
            .Select(c => (c[0], double.Parse(c[1], CultureInfo.InvariantCulture)))
            .ToList();
        return (measurements, machine);
    }

    private static double Mean(BenchmarkTable table, string engine, params (string Column, int Value)[] parameters) =>
        BenchmarkTable.MeanMicroseconds(table.Rows.First(r => r["Engine"] == engine && parameters.All(p => (int)BenchmarkTable.Number(r, p.Column) == p.Value)));

    /// <summary>Time of <paramref name="numerator"/> over time of <paramref name="denominator"/>, per shape (rows of one engine matched on every other parameter).</summary>
    private static List<double> Ratios(BenchmarkTable table, string numerator, string denominator, Func<Dictionary<string, string>, bool> filter)
    {
        var parameters = table.Rows[0].Keys.SkipWhile(k => k != "Engine").Skip(1).TakeWhile(k => !k.StartsWith("Mean [", StringComparison.Ordinal)).ToList();
        return table.Rows.Where(r => r["Engine"] == denominator && filter(r))
            .Select(r => (Own: r, Other: table.Rows.FirstOrDefault(o => o["Engine"] == numerator && parameters.All(p => o[p] == r[p]))))
            .Where(pair => pair.Other is not null)
            .Select(pair => BenchmarkTable.MeanMicroseconds(pair.Other!) / BenchmarkTable.MeanMicroseconds(pair.Own))
            .ToList();
    }

    private static List<(double X, double Y)> SparseTimes(BenchmarkTable table, string pattern) =>
        table.Rows.Where(r => r["Pattern"] == pattern)
            .Select(r => (BenchmarkTable.Number(r, "N"), BenchmarkTable.MeanMicroseconds(r)))
            .OrderBy(p => p.Item1).ToList();

    private static double GeometricMean(IReadOnlyList<double> values) => Math.Exp(values.Average(Math.Log));

    private static void Row(StringBuilder document, string target, string goal, string measured, bool? met) =>
        document.AppendLine($"| {target} | {goal} | {measured} | {(met is null ? "–" : met.Value ? "yes" : "**no**")} |");

    private static string Percent(double share) => Format(share * 100, "0") + "%";

    private static string Format(double value, string format) => ResultsReport.Format(value, format);
}
