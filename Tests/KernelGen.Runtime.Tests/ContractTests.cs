using System;
using KernelGen.Kernels;
using KernelGen.Runtime.Tests.Models;
using KernelGen.Tests;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>The kernel contract checks its arguments the same way for every kernel set, and never allocates per call.</summary>
public class ContractTests
{
    public static TheoryData<string> Kinds => new() { "generated", "generic", "reference" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WrongSpanLengths_AreRejectedWithTheArgumentName(string kind)
    {
        var kernels = KernelSets.Create(nameof(GqaHeadDim8), kind);
        var cache = kernels.CreateCache();
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.Decode(cache, 0, 0, new float[64], new float[15], new float[16], new float[64]));
        Assert.Equal("key", error.ParamName);
        Assert.Contains("must hold 16 floats, but holds 15", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void CacheOfAnotherShape_IsRejected(string kind)
    {
        var kernels = KernelSets.Create(nameof(GqaHeadDim8), kind);
        var otherCache = MqaHeadDim8.CreateKernels().CreateCache();
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.Decode(otherCache, 0, 0, new float[64], new float[16], new float[16], new float[64]));
        Assert.Equal("cache", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DecodingPastWhatIsCached_IsRejected(string kind)
    {
        var kernels = KernelSets.Create(nameof(GqaHeadDim8), kind);
        var cache = kernels.CreateCache();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.Decode(cache, 0, 5, new float[64], new float[16], new float[16], new float[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.Decode(cache, 2, 0, new float[64], new float[16], new float[16], new float[64]));
    }

    [Theory]
    [InlineData("generated")]
    [InlineData("generic")]
    public void DecodeAndPrefill_AllocateNothing(string kind)
    {
        var kernels = KernelSets.Create(nameof(GqaHeadDim64), kind);
        var cache = kernels.CreateCache();
        var shape = kernels.Shape;
        var q = new float[40 * shape.Dim];
        var kv = new float[40 * shape.KvDim];
        var output = new float[40 * shape.Dim];
        // Warm up with the same calls as measured: first calls may set up per-thread state once.
        kernels.Prefill(cache, 0, 0, 40, q, kv, kv, output);
        kernels.Prefill(cache, 0, 0, 20, q.AsSpan(0, 20 * shape.Dim), kv.AsSpan(0, 20 * shape.KvDim), kv.AsSpan(0, 20 * shape.KvDim), output.AsSpan(0, 20 * shape.Dim));
        for (int position = 20; position < 200; position++)
        {
            kernels.Decode(cache, 0, position, q.AsSpan(0, shape.Dim), kv.AsSpan(0, shape.KvDim), kv.AsSpan(0, shape.KvDim), output.AsSpan(0, shape.Dim));
        }

        kernels.Prefill(cache, 0, 0, 21, q.AsSpan(0, 21 * shape.Dim), kv.AsSpan(0, 21 * shape.KvDim), kv.AsSpan(0, 21 * shape.KvDim), output.AsSpan(0, 21 * shape.Dim));
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            kernels.Prefill(cache, 0, 21, 40, q, kv, kv, output);
            for (int position = 61; position < 200; position++)
            {
                kernels.Decode(cache, 0, position, q.AsSpan(0, shape.Dim), kv.AsSpan(0, shape.KvDim), kv.AsSpan(0, shape.KvDim), output.AsSpan(0, shape.Dim));
            }
        }, attempts: 2));
    }

    public static TheoryData<string, string> SparseModelsAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in KernelSets.SparseModels.Keys)
        {
            data.Add(model, "generated");
            data.Add(model, "generic");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SparseModelsAndKinds))]
    public void SparseDecodeAndPrefill_AllocateNothing(string model, string kind)
    {
        var generated = KernelSets.SparseModels[model]();
        var kernels = kind == "generated" ? generated : new GenericAttention(generated.Shape, generated.LayerPatterns);
        var cache = kernels.CreateCache();
        var shape = kernels.Shape;
        var q = new float[120 * shape.Dim];
        var kv = new float[120 * shape.KvDim];
        var output = new float[120 * shape.Dim];

        void Prefill(int layer, int start, int count) => kernels.Prefill(cache, layer, start, count,
            q.AsSpan(0, count * shape.Dim), kv.AsSpan(0, count * shape.KvDim), kv.AsSpan(0, count * shape.KvDim), output.AsSpan(0, count * shape.Dim));

        void Run()
        {
            for (int layer = 0; layer < shape.Layers; layer++)
            {
                Prefill(layer, 0, 100);
                Prefill(layer, 100, 101);
                for (int position = 201; position < 280; position++)
                {
                    kernels.Decode(cache, layer, position, q.AsSpan(0, shape.Dim), kv.AsSpan(0, shape.KvDim), kv.AsSpan(0, shape.KvDim), output.AsSpan(0, shape.Dim));
                }
            }
        }

        // Warm up with the same calls as measured: first calls may set up per-thread state once.
        Run();
        Assert.Equal(0, Allocations.Fewest(Run, attempts: 2));
    }

    [Fact]
    public void Registry_FindsGeneratedKernelsForACompiledShape()
    {
        Assert.True(KernelRegistry.TryCreate(new ModelShape(512, 2, 8, 1, 100), out var kernels, out var modelClass));
        Assert.Equal("KernelGen.Runtime.Tests.Models.MqaHeadDim64", modelClass);
        Assert.Equal("generated (MqaHeadDim64)", kernels!.Name);
        Assert.False(KernelRegistry.TryCreate(new ModelShape(512, 2, 16, 1, 100), out _, out _));
    }
}
