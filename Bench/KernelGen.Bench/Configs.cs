using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
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

/// <summary>
/// The quantized peer suite: each invocation decodes 8 tokens (a few hundred milliseconds), 15 times, and
/// the engines of one file and position run one after another (<see cref="EnginesSideBySideOrderer"/>).
/// This host's memory bandwidth drifts by tens of percent over minutes, and decoding a quantized model
/// streams its weights, so five iterations and BenchmarkDotNet's default order (every KernelGen case, then
/// every llama.cpp case, minutes apart) could put the two engines of one row in different phases.
/// </summary>
public sealed class QuantizedPeerConfig : BenchConfig
{
    public QuantizedPeerConfig()
        : base(Job.Default.WithWarmupCount(2).WithIterationCount(15).WithInvocationCount(1).WithUnrollFactor(1))
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
        WithOrderer(new EnginesSideBySideOrderer());
    }
}

/// <summary>Runs the cases ordered by every parameter but the engine first, so the engines compared in one row run back to back.</summary>
public sealed class EnginesSideBySideOrderer : DefaultOrderer
{
    public override IEnumerable<BenchmarkCase> GetExecutionOrder(ImmutableArray<BenchmarkCase> benchmarksCase, IEnumerable<BenchmarkLogicalGroupRule>? order = null) =>
        base.GetExecutionOrder(benchmarksCase, order)
            .OrderBy(c => string.Join(",", c.Parameters.Items.Where(p => p.Name != "Engine").Select(p => p.Name + "=" + p.Value)), StringComparer.Ordinal)
            .ThenBy(c => c.Parameters.Items.FirstOrDefault(p => p.Name == "Engine")?.Value?.ToString(), StringComparer.Ordinal);
}
