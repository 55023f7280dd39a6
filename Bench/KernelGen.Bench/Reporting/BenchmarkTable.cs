using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace KernelGen.Bench.Reporting;

/// <summary>One BenchmarkDotNet CSV report: a row per case, cells by column name.</summary>
internal sealed class BenchmarkTable
{
    private BenchmarkTable(string name, string environment, List<Dictionary<string, string>> rows)
    {
        Name = name;
        Environment = environment;
        Rows = rows;
    }

    /// <summary>The benchmark class, e.g. "SparsePrefillBenchmarks".</summary>
    public string Name { get; }

    /// <summary>The run's environment block (CPU, runtime) from the Markdown report, if it was kept.</summary>
    public string Environment { get; }

    public IReadOnlyList<Dictionary<string, string>> Rows { get; }

    /// <summary>
    /// The machine the table was measured on, as its environment block names it: the CPU line
    /// and the JIT's instruction-set level ("AMD EPYC 2.45GHz, 1 CPU, 2 logical and 2 physical
    /// cores; x86-64-v3"). Empty when the Markdown report was not kept. Tables are compared
    /// against roofs only when this matches the roofs' own.
    /// </summary>
    public string Machine
    {
        get
        {
            var lines = Environment.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string cpu = lines.FirstOrDefault(l => l.Contains(" CPU,", StringComparison.Ordinal)) ?? string.Empty;
            string host = lines.FirstOrDefault(l => l.StartsWith("[Host]", StringComparison.Ordinal)) ?? string.Empty;
            string isa = host.Split(' ').LastOrDefault(w => w.StartsWith("x86-64", StringComparison.Ordinal) || w.StartsWith("armv", StringComparison.Ordinal)) ?? string.Empty;
            return cpu.Length == 0 ? string.Empty : isa.Length == 0 ? cpu : $"{cpu}; {isa}";
        }
    }

    /// <summary>Reads <c>{Namespace}.{Class}-report.csv</c> and, beside it, the GitHub Markdown report for the environment.</summary>
    public static BenchmarkTable Read(string csvPath)
    {
        var lines = File.ReadAllLines(csvPath).Where(l => l.Length > 0).ToList();
        // BenchmarkDotNet heads microsecond columns with a micro sign ("Mean [μs]"); sections ask for ASCII "us".
        var header = Split(lines[0]).ConvertAll(h => h.Replace('\u03bc', 'u').Replace('\u00b5', 'u'));
        var rows = lines.Skip(1).Select(line =>
        {
            var cells = Split(line);
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count && i < cells.Count; i++)
            {
                row[header[i]] = cells[i];
            }

            return row;
        }).ToList();

        string fileName = Path.GetFileName(csvPath);
        string fullName = fileName.Substring(0, fileName.Length - "-report.csv".Length);
        string markdown = Path.Combine(Path.GetDirectoryName(csvPath)!, fullName + "-report-github.md");
        string environment = File.Exists(markdown)
            ? string.Join("\n", File.ReadLines(markdown).SkipWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)))
            : string.Empty;
        return new BenchmarkTable(fullName.Split('.').Last(), environment, rows);
    }

    /// <summary>A column as a number (CSV cells are invariant-culture, without units).</summary>
    public static double Number(Dictionary<string, string> row, string column)
    {
        string text = row[column].Replace(",", "", StringComparison.Ordinal).Trim();
        return text is "-" or "" or "NA" ? 0 : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The mean time of a row in microseconds, whatever unit BenchmarkDotNet chose for the column.</summary>
    public static double MeanMicroseconds(Dictionary<string, string> row)
    {
        string column = row.Keys.First(k => k.StartsWith("Mean [", StringComparison.Ordinal));
        double toMicroseconds = column switch
        {
            "Mean [ns]" => 1e-3,
            "Mean [ms]" => 1e3,
            "Mean [s]" => 1e6,
            _ => 1,
        };
        return Number(row, column) * toMicroseconds;
    }

    private static List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}
