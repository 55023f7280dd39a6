using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace KernelGen.Bench;

/// <summary>
/// A job, a memory diagnoser (allocations per operation must read 0 B), Markdown for people and a
/// CSV with plain numbers in fixed units (microseconds, bytes) that the report reads.
/// </summary>
public abstract class BenchConfig : ManualConfig
{
    protected BenchConfig(Job job)
    {
        AddJob(job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddLogger(ConsoleLogger.Default);
        AddExporter(MarkdownExporter.GitHub);
        AddExporter(new CsvExporter(CsvSeparator.Comma, new SummaryStyle(
            CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: SizeUnit.B, timeUnit: TimeUnit.Microsecond, printUnitsInContent: false)));
    }
}

/// <summary>Operations of microseconds to milliseconds.</summary>
public sealed class DefaultConfig : BenchConfig
{
    public DefaultConfig()
        : base(Job.Default.WithWarmupCount(3).WithIterationCount(10))
    {
    }
}

/// <summary>Operations that take up to seconds: fewer iterations, one invocation each.</summary>
public sealed class LongRunConfig : BenchConfig
{
    public LongRunConfig()
        : base(Job.Default.WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1))
    {
    }
}

/// <summary>The stories260K peer suite: tokens of tens of microseconds, so BenchmarkDotNet picks the invocation count.</summary>
public sealed class PeerConfig : BenchConfig
{
    public PeerConfig()
        : base(Job.Default.WithWarmupCount(3).WithIterationCount(15))
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>The large-model peer suite: each invocation decodes for about a second; the prompt is prefilled once per process.</summary>
public sealed class PeerLongRunConfig : BenchConfig
{
    public PeerLongRunConfig()
        : base(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1))
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>
/// Sweeps whose operations run from milliseconds to seconds: each iteration repeats the operation
/// for 250 ms, so a short case averages many calls and a long one runs once per iteration. Ten
/// iterations, since a one-call iteration is at the mercy of the machine; warmup is left to
/// BenchmarkDotNet (until stable, at least six iterations), since a single fixed warmup measured
/// short cases while they still ran tier-0 code.
/// </summary>
public sealed class SweepConfig : BenchConfig
{
    public SweepConfig()
        : base(Job.Default.WithIterationCount(10).WithIterationTime(TimeInterval.FromMilliseconds(250)))
    {
    }
}
