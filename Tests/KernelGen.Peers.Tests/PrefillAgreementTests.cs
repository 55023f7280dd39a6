using System;
using KernelGen.Bench;
using KernelGen.Bench.Peers;
using KernelGen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Peers.Tests;

/// <summary>
/// ONNX Runtime's GroupQueryAttention and our kernels compute the same causal prefill: on the
/// benchmarked shapes (8 heads, MHA, head_dim 64 and 128), a whole prompt at once — every output
/// row equal to the double-precision reference within 1e-4, and the keys and values ORT caches
/// equal to ours.
/// </summary>
public class PrefillAgreementTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(64, 1)]
    [InlineData(64, 257)]
    [InlineData(128, 200)]
    public void CausalPrefill_AllEnginesEqualReference(int headDim, int count)
    {
        var shape = PeerKernels.PrefillShape(headDim);
        var reference = new ReferenceAttention(shape);
        var generated = PeerKernels.Prefill(PeerKernels.Generated, headDim);
        var generic = PeerKernels.Prefill(PeerKernels.Generic, headDim);
        var referenceCache = reference.CreateCache(count);
        using var onnx = new OnnxPrefillPeer(shape.Heads, shape.KvHeads, shape.HeadDim, count, Environment.ProcessorCount);

        var query = RandomInputs.Uniform(count * shape.Dim, 21);
        var keys = RandomInputs.Uniform(count * shape.KvDim, 22);
        var values = RandomInputs.Uniform(count * shape.KvDim, 23);
        var expected = new float[count * shape.Dim];
        var actual = new float[count * shape.Dim];
        reference.Prefill(referenceCache, 0, 0, count, query, keys, values, expected);

        onnx.Prefill(query, keys, values, actual);
        Agreement.Equal(expected, actual, $"onnxruntime, head_dim {headDim}, {count} tokens", log);
        generated.Prefill(generated.CreateCache(count), 0, 0, count, query, keys, values, actual);
        Agreement.Equal(expected, actual, $"generated, head_dim {headDim}, {count} tokens", log);
        generic.Prefill(generic.CreateCache(count), 0, 0, count, query, keys, values, actual);
        Agreement.Equal(expected, actual, $"generic, head_dim {headDim}, {count} tokens", log);

        for (int head = 0; head < shape.KvHeads; head++)
        {
            Assert.True(referenceCache.Keys(0, head).SequenceEqual(onnx.PresentKeys(head)), $"keys of KV head {head}");
            Assert.True(referenceCache.Values(0, head).SequenceEqual(onnx.PresentValues(head)), $"values of KV head {head}");
        }
    }
}
