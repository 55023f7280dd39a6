using System;
using BenchmarkDotNet.Configs;

namespace KernelGen.Bench.Peers;

/// <summary>Adds a "GFLOP/s" column to a prefill suite: causal attention's floating-point operations over its time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AttentionFlopsColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new ThroughputColumn(
        "GFLOP/s",
        "4 * n^2 / 2 * heads * head_dim (QK^T and PV over the causal half) / mean time, 10^9 per second",
        c => OnnxPeerPrefillBenchmarks.Flops(ThroughputColumn.Parameter(c, nameof(OnnxPeerPrefillBenchmarks.HeadDim)), ThroughputColumn.Parameter(c, nameof(OnnxPeerPrefillBenchmarks.N)))));
}
