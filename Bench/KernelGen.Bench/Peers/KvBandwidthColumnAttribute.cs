using System;
using BenchmarkDotNet.Configs;

namespace KernelGen.Bench.Peers;

/// <summary>Adds a "GB/s" column to a decode suite: the KV cache bytes one step reads over its time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KvBandwidthColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new ThroughputColumn(
        "GB/s",
        "KV cache bytes read per step (keys and values of every attended position) / mean time, 10^9 bytes per second",
        c => OnnxPeerDecodeBenchmarks.KvBytesRead(ThroughputColumn.Parameter(c, nameof(OnnxPeerDecodeBenchmarks.KvHeads)), ThroughputColumn.Parameter(c, nameof(OnnxPeerDecodeBenchmarks.Context)))));
}
