using System;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace KernelGen.Bench.Peers;

/// <summary>
/// A summary column of work per second: the case's work per operation (bytes, floating-point
/// operations) over its mean time, in billions per second.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    private readonly Func<BenchmarkCase, double> _workPerOperation;

    /// <summary>Creates a column named <paramref name="columnName"/> ("GB/s").</summary>
    public ThroughputColumn(string columnName, string legend, Func<BenchmarkCase, double> workPerOperation)
    {
        ColumnName = columnName;
        Legend = legend;
        _workPerOperation = workPerOperation;
    }

    /// <inheritdoc />
    public string Id => nameof(ThroughputColumn) + "." + ColumnName;

    /// <inheritdoc />
    public string ColumnName { get; }

    /// <inheritdoc />
    public string Legend { get; }

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <summary>A case's parameter as a number.</summary>
    public static int Parameter(BenchmarkCase benchmarkCase, string name) =>
        Convert.ToInt32(benchmarkCase.Parameters[name], CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || statistics.Mean <= 0)
        {
            return "NA";
        }

        // Mean is in nanoseconds: work / ns = billions of work per second.
        return (_workPerOperation(benchmarkCase) / statistics.Mean).ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
