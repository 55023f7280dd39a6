using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// Query-aware block selection (Quest): one decode step, dense against query-aware at each budget,
/// per KV-head count and context, with the speed-up and the selection's share of the step; the
/// issue's targets checked; time per token against context, dense and each budget, plotted.
/// </summary>
internal sealed class QueryAwareSection : ReportSection
{
    public override string[] Tables => new[] { "QueryAwareDecodeBenchmarks", "QueryAwareSelectionBenchmarks" };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var rows = tables[0].Rows.Select(r => (
            Kernel: r["Kernel"],
            KvHeads: (int)BenchmarkTable.Number(r, "KvHeads"),
            Context: (int)BenchmarkTable.Number(r, "Context"),
            Budget: (int)BenchmarkTable.Number(r, "Budget"),
            Us: BenchmarkTable.Number(r, "Mean [us]"))).ToList();
        var selection = tables[1].Rows.Select(r => (
            KvHeads: (int)BenchmarkTable.Number(r, "KvHeads"),
            Context: (int)BenchmarkTable.Number(r, "Context"),
            Budget: (int)BenchmarkTable.Number(r, "Budget"),
            Us: BenchmarkTable.Number(r, "Mean [us]"))).ToList();

        // Dense ignores the budget: its rows for one shape are one measurement, averaged.
        double? Dense(int kvHeads, int context) =>
            rows.Where(r => r.Kernel == "dense" && r.KvHeads == kvHeads && r.Context == context).Select(r => r.Us).DefaultIfEmpty(double.NaN).Average() is double us && !double.IsNaN(us) ? us : null;
        double? Sparse(int kvHeads, int context, int budget) =>
            rows.Where(r => r.Kernel == "query-aware" && r.KvHeads == kvHeads && r.Context == context && r.Budget == budget).Select(r => (double?)r.Us).FirstOrDefault();
        double? Selection(int kvHeads, int context, int budget) =>
            selection.Where(r => r.KvHeads == kvHeads && r.Context == context && r.Budget == budget).Select(r => (double?)r.Us).FirstOrDefault();

        var budgets = rows.Where(r => r.Kernel == "query-aware").Select(r => r.Budget).Distinct().OrderBy(b => b).ToList();
        document.AppendLine("## Query-aware block selection (Quest)");
        document.AppendLine();
        document.AppendLine("One generated decode step at d_model 4096 (32 query heads of 128) against Context cached keys: dense, and");
        document.AppendLine("query-aware with blocks of 16, 4 sinks, a window of 64 and each budget (`QueryAwareDecodeBenchmarks`),");
        document.AppendLine("selection included. × is the speed-up over dense; sel. is the selection's share of the query-aware step");
        document.AppendLine("(`QueryAwareSelectionBenchmarks` over the step). A selection per query head instead of per KV group would");
        document.AppendLine("cost about what the MHA step costs at the same context and budget (each head bounds every block and reads its own");
        document.AppendLine("budget of keys): the GQA and MQA tables against the MHA one are the saving of one selection per group.");
        foreach (int kvHeads in rows.Select(r => r.KvHeads).Distinct().OrderByDescending(k => k))
        {
            string family = kvHeads == 32 ? "MHA" : kvHeads == 1 ? "MQA" : "GQA";
            document.AppendLine();
            document.AppendLine($"### {family}: {kvHeads} KV head{(kvHeads == 1 ? "" : "s")}");
            document.AppendLine();
            document.AppendLine("| context | dense (ms) | " + string.Join(" | ", budgets.Select(b => $"budget {ResultsReport.Format(b)} (ms) | × | sel.")) + " |");
            document.AppendLine("|---:|---:|" + string.Concat(budgets.Select(_ => "---:|---:|---:|")));
            foreach (int context in rows.Where(r => r.KvHeads == kvHeads).Select(r => r.Context).Distinct().OrderBy(c => c))
            {
                var dense = Dense(kvHeads, context);
                var cells = budgets.Select(b => Sparse(kvHeads, context, b) is double us
                    ? ResultsReport.Format(us / 1000, "0.000") + " | " + (dense is double d ? ResultsReport.Format(d / us, "0.0") : "–") + " | "
                        + (Selection(kvHeads, context, b) is double s ? ResultsReport.Format(100 * s / us, "0") + "%" : "–")
                    : "– | – | –");
                document.AppendLine("| " + ResultsReport.Format(context) + " | " + (dense is double dd ? ResultsReport.Format(dd / 1000, "0.000") : "–") + " | " + string.Join(" | ", cells) + " |");
            }

            document.AppendLine();
            var series = new List<(string, List<(double, double)>)>
            {
                ("dense", rows.Where(r => r.Kernel == "dense" && r.KvHeads == kvHeads).Select(r => r.Context).Distinct().OrderBy(c => c)
                    .Select(c => ((double)c, Dense(kvHeads, c) ?? 0)).ToList()),
            };
            series.AddRange(budgets.Select(b => ("budget " + ResultsReport.Format(b), rows.Where(r => r.Kernel == "query-aware" && r.KvHeads == kvHeads && r.Budget == b)
                .OrderBy(r => r.Context).Select(r => ((double)r.Context, r.Us)).ToList())));
            string plot = SparseSection.Plot(plotFolder, $"query-aware-{family.ToLowerInvariant()}.png", $"{family} decode step vs context, dense and query-aware (log-log)",
                "context (keys)", "time per token (µs)", series);
            document.AppendLine($"![{family} decode time per token against context, dense and query-aware at each budget](plots/{plot})");
        }

        document.AppendLine();
        document.AppendLine("### Targets");
        document.AppendLine();
        document.AppendLine("| target | measured | met |");
        document.AppendLine("|---|---|---|");
        foreach (var (kvHeads, goal) in new[] { (32, 8.0), (8, 8.0), (1, 5.0) })
        {
            string family = kvHeads == 32 ? "MHA" : kvHeads == 1 ? "MQA" : "GQA";
            if (Dense(kvHeads, 32768) is not double dense || Sparse(kvHeads, 32768, 2048) is not double sparse)
            {
                continue;
            }

            double speedup = dense / sparse;
            string share = Selection(kvHeads, 32768, 2048) is double s ? $", selection {ResultsReport.Format(100 * s / sparse, "0")}% of the step" : "";
            document.AppendLine($"| {family} 32K, budget 2048: ≥ {ResultsReport.Format(goal)}× dense | {ResultsReport.Format(speedup, "0.0")}×{share} | {(speedup >= goal ? "yes" : "**no**")} |");
        }

        Environment(tables[0], document);
    }
}
