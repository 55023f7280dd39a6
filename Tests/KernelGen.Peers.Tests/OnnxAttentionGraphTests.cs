using System;
using System.Linq;
using KernelGen.Bench.Peers;
using Xunit;

namespace KernelGen.Peers.Tests;

/// <summary>The models built in code load in ONNX Runtime with the inputs and outputs the peers bind.</summary>
public class OnnxAttentionGraphTests
{
    [Fact]
    public void DecodeModel_LoadsWithCacheInputs()
    {
        using var session = OnnxSessions.Create(OnnxAttentionGraph.GroupQueryAttention(32, 8, 128, withPast: true), threads: 1);

        Assert.Equal(
            new[] { "query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length" },
            session.InputNames.ToArray());
        Assert.Equal(new[] { "output", "present_key", "present_value" }, session.OutputNames.ToArray());
        Assert.Equal(new[] { 1, 8, -1, 128 }, session.InputMetadata["past_key"].Dimensions);
        Assert.Equal(new[] { 1, -1, 4096 }, session.OutputMetadata["output"].Dimensions);
    }

    [Fact]
    public void PrefillModel_LoadsWithoutCacheInputs()
    {
        using var session = OnnxSessions.Create(OnnxAttentionGraph.GroupQueryAttention(8, 8, 64, withPast: false), threads: 1);

        Assert.Equal(new[] { "query", "key", "value", "seqlens_k", "total_sequence_length" }, session.InputNames.ToArray());
        Assert.Equal(new[] { "output", "present_key", "present_value" }, session.OutputNames.ToArray());
        Assert.Equal(Array.Empty<int>(), session.InputMetadata["total_sequence_length"].Dimensions);
    }
}
