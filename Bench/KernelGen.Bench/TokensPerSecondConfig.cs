using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Jobs;

namespace KernelGen.Bench;

/// <summary>The suite's usual outputs plus operations per second: with one operation per token, that column is tokens per second.</summary>
public sealed class TokensPerSecondConfig : BenchConfig
{
    /// <summary>Creates the config.</summary>
    public TokensPerSecondConfig()
        : base(Job.Default)
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
