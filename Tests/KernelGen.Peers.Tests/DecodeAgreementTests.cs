using System;
using KernelGen.Bench;
using KernelGen.Bench.Peers;
using KernelGen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Peers.Tests;

/// <summary>
/// ONNX Runtime's GroupQueryAttention and our kernels compute the same decode step: on the
/// benchmarked shapes (32 query heads of 128 with 1, 8 or 32 KV heads), a cache filled with the
/// same keys and values, then several tokens decoded one by one — each output equal to the
/// double-precision reference within 1e-4, and ORT's cache equal to ours after the steps.
/// </summary>
public class DecodeAgreementTests(ITestOutputHelper log)
{
    private const int Filled = 300;
    private const int Steps = 3;

    [Theory]
    [InlineData(1)]  // MQA
    [InlineData(8)]  // GQA, groups of 4
    [InlineData(32)] // MHA
    public void DecodeAfterFilledCache_AllEnginesEqualReference(int kvHeads)
    {
        var shape = PeerKernels.DecodeShape(kvHeads);
        int capacity = Filled + Steps;
        var reference = new ReferenceAttention(shape);
        var generated = PeerKernels.Decode(PeerKernels.Generated, kvHeads);
        var generic = PeerKernels.Decode(PeerKernels.Generic, kvHeads);
        var referenceCache = reference.CreateCache(capacity);
        var generatedCache = generated.CreateCache(capacity);
        var genericCache = generic.CreateCache(capacity);
        using var onnx = new OnnxDecodePeer(shape.Heads, shape.KvHeads, shape.HeadDim, capacity, Environment.ProcessorCount);

        var keys = RandomInputs.Uniform(Filled * shape.KvDim, 11);
        var values = RandomInputs.Uniform(Filled * shape.KvDim, 12);
        referenceCache.Write(0, 0, Filled, keys, values);
        generatedCache.Write(0, 0, Filled, keys, values);
        genericCache.Write(0, 0, Filled, keys, values);
        onnx.Load(0, Filled, keys, values);

        var expected = new float[shape.Dim];
        var actual = new float[shape.Dim];
        for (int position = Filled; position < capacity; position++)
        {
            var query = RandomInputs.Uniform(shape.Dim, 100 + position);
            var key = RandomInputs.Uniform(shape.KvDim, 200 + position);
            var value = RandomInputs.Uniform(shape.KvDim, 300 + position);
            reference.Decode(referenceCache, 0, position, query, key, value, expected);

            onnx.Decode(position, query, key, value, actual);
            Agreement.Equal(expected, actual, $"onnxruntime, {shape.AttentionKind}, position {position}", log);
            generated.Decode(generatedCache, 0, position, query, key, value, actual);
            Agreement.Equal(expected, actual, $"generated, {shape.AttentionKind}, position {position}", log);
            generic.Decode(genericCache, 0, position, query, key, value, actual);
            Agreement.Equal(expected, actual, $"generic, {shape.AttentionKind}, position {position}", log);
        }

        // ORT appended every step's key and value in place, where our cache holds them.
        for (int head = 0; head < kvHeads; head++)
        {
            Assert.True(referenceCache.Keys(0, head).SequenceEqual(onnx.Keys(head)), $"keys of KV head {head}");
            Assert.True(referenceCache.Values(0, head).SequenceEqual(onnx.Values(head)), $"values of KV head {head}");
        }
    }
}
