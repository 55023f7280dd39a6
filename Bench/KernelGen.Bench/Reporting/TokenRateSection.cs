using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KernelGen.Bench.Reporting;

/// <summary>
/// A decoder-level suite as a table: one row per case, its parameters, the time per token and the
/// tokens per second, and the ratio to a baseline row. For suites whose operation is one token
/// (<c>OperationsPerInvoke</c> = tokens), or <paramref name="tokensColumn"/> tokens.
/// </summary>
internal sealed class TokenRateSection : ReportSection
{
    private readonly string _table;
    private readonly string _title;
    private readonly string[] _intro;
    private readonly string _compareColumn;
    private readonly string _baseline;
    private readonly string? _tokensColumn;

    /// <param name="table">The benchmark class.</param>
    /// <param name="title">The section heading.</param>
    /// <param name="intro">Lines of text under the heading.</param>
    /// <param name="compareColumn">The parameter whose values are compared (an engine or kernel set).</param>
    /// <param name="baseline">Its value that other rows are compared to: ratio = baseline time / row time.</param>
    /// <param name="tokensColumn">A parameter holding the tokens one operation generates; null when an operation is one token.</param>
    public TokenRateSection(string table, string title, string[] intro, string compareColumn, string baseline, string? tokensColumn = null)
    {
        _table = table;
        _title = title;
        _intro = intro;
        _compareColumn = compareColumn;
        _baseline = baseline;
        _tokensColumn = tokensColumn;
    }

    public override string[] Tables => new[] { _table };

    public override void Render(IReadOnlyList<BenchmarkTable> tables, StringBuilder document, string plotFolder)
    {
        var table = tables[0];
        document.AppendLine("## " + _title);
        document.AppendLine();
        foreach (string line in _intro)
        {
            document.AppendLine(line);
        }

        // Parameters are the columns BenchmarkDotNet puts between the job columns and the statistics.
        var first = table.Rows[0];
        var parameters = first.Keys.Where(k => k == _compareColumn || k == _tokensColumn || k is "KvHeads" or "Context" or "N" or "Format").ToList();
        document.AppendLine();
        document.AppendLine("| " + string.Join(" | ", parameters) + " | µs / token | tokens / s | × " + _baseline + " | allocated |");
        document.AppendLine("|" + string.Concat(parameters.Select(_ => "---|")) + "---:|---:|---:|---:|");

        double PerToken(Dictionary<string, string> row) =>
            BenchmarkTable.MeanMicroseconds(row) / (_tokensColumn is null ? 1 : BenchmarkTable.Number(row, _tokensColumn));

        foreach (var row in table.Rows)
        {
            var others = parameters.Where(p => p != _compareColumn).ToList();
            var baseline = table.Rows.FirstOrDefault(r => r[_compareColumn] == _baseline && others.All(p => r[p] == row[p]));
            double perToken = PerToken(row);
            string ratio = baseline is null ? "" : ResultsReport.Format(PerToken(baseline) / perToken, "0.00");
            string allocated = row.TryGetValue("Allocated [B]", out var bytes) ? (bytes is "-" or "0" ? "0 B" : bytes + " B") : "";
            document.AppendLine("| " + string.Join(" | ", parameters.Select(p => row[p])) + " | " + ResultsReport.Format(perToken, "0.0")
                + " | " + ResultsReport.Format(1e6 / perToken, "#,0") + " | " + ratio + " | " + allocated + " |");
        }

        Environment(table, document);
    }
}
