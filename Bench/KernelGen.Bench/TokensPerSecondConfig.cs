using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace KernelGen.Bench;

/// <summary>Adds operations per second: with one operation per token, that column is tokens per second.</summary>
public sealed class TokensPerSecondConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public TokensPerSecondConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
}
