using System;
using System.Threading;
using System.Threading.Tasks;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Patterns;
using KernelGen.Runtime.Tests.Models;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// The kernels index a cache by slot without bounds checks, so every call first checks the layer
/// it touches against the layout these kernels would have made: a cache laid out for other layer
/// patterns, or longer than the kernels' MaxSeqLen, is refused before any read.
/// </summary>
public class CacheLayoutGuardTests
{
    public static TheoryData<string> Kinds => new() { "generated", "generic", "reference" };

    private static AttentionKernels WindowKernels(string kind) => kind switch
    {
        "generated" => MhaWindow.CreateKernels(),
        "generic" => new GenericAttention(MhaWindow.Shape, MhaWindow.CreateKernels().LayerPatterns),
        "reference" => new ReferenceAttention(MhaWindow.Shape, MhaWindow.CreateKernels().LayerPatterns),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void DecodeFirst(AttentionKernels kernels, KvCache cache, int layer)
    {
        var shape = kernels.Shape;
        kernels.Decode(cache, layer, 0, new float[shape.Dim], new float[shape.KvDim], new float[shape.KvDim], new float[shape.Dim]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RollingCache_IsRefusedByDenseKernels(string kind)
    {
        // Same layers, KV heads and head_dim; layer 0 is a 37-token ring in the window model's cache.
        var rollingCache = WindowKernels(kind).CreateCache();
        var dense = kind switch
        {
            "generated" => new GenericAttention(MhaWindow.Shape),
            "generic" => new GenericAttention(MhaWindow.Shape),
            _ => (AttentionKernels)new ReferenceAttention(MhaWindow.Shape),
        };
        var error = Assert.Throws<ArgumentException>(() => DecodeFirst(dense, rollingCache, 0));
        Assert.Equal("cache", error.ParamName);
        Assert.Contains("Layer 0", error.Message);
        Assert.Contains("rolling window of 37", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DenseCache_IsRefusedByRollingKernels(string kind)
    {
        var denseCache = new GenericAttention(MhaWindow.Shape).CreateCache();
        var error = Assert.Throws<ArgumentException>(() => DecodeFirst(WindowKernels(kind), denseCache, 0));
        Assert.Equal("cache", error.ParamName);
        Assert.Contains("dense with 300 positions", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RingOfAnotherWindow_IsRefused(string kind)
    {
        var otherWindow = new GenericAttention(MhaWindow.Shape, [AttentionPattern.SlidingWindow(20), AttentionPattern.Dense]).CreateCache();
        var error = Assert.Throws<ArgumentException>(() => DecodeFirst(WindowKernels(kind), otherWindow, 0));
        Assert.Contains("rolling window of 20", error.Message);
        Assert.Contains("rolling window of 37", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HandBuiltCacheLongerThanMaxSeqLen_IsRefused(string kind)
    {
        var kernels = kind switch
        {
            "generated" => GqaBigBird.CreateKernels(),
            "generic" => new GenericAttention(GqaBigBird.Shape, GqaBigBird.CreateKernels().LayerPatterns),
            _ => (AttentionKernels)new ReferenceAttention(GqaBigBird.Shape, GqaBigBird.CreateKernels().LayerPatterns),
        };
        var shape = kernels.Shape;
        var tooLong = new KvCache(shape.Layers, shape.KvHeads, shape.HeadDim, shape.MaxSeqLen + 468);
        var error = Assert.Throws<ArgumentException>(() => DecodeFirst(kernels, tooLong, 1));
        Assert.Equal("cache", error.ParamName);
        Assert.Contains($"at most {shape.MaxSeqLen} positions", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShorterHandBuiltDenseCache_IsAccepted(string kind)
    {
        var kernels = KernelSets.Create(nameof(GqaHeadDim8), kind);
        var shape = kernels.Shape;
        var shorter = new KvCache(shape.Layers, shape.KvHeads, shape.HeadDim, 16);
        DecodeFirst(kernels, shorter, 1);
        Assert.Equal(1, shorter.Length(1));
    }

    [Fact]
    public async Task SecondThreadOnOneInstance_IsDetected()
    {
        var kernels = new BlockingKernels(GqaHeadDim8.Shape);
        var cache = kernels.CreateCache();
        var first = Task.Run(() => DecodeFirst(kernels, cache, 0));
        Assert.True(kernels.Entered.Wait(TimeSpan.FromMinutes(2)), "the first call never reached the kernel");
        var secondCache = kernels.CreateCache();
        var error = Assert.Throws<InvalidOperationException>(() => DecodeFirst(kernels, secondCache, 0));
        Assert.Contains("another thread", error.Message);
        kernels.Release.Set();
        await first.WaitAsync(TimeSpan.FromMinutes(2));

        // The instance is free again once the first call returns.
        DecodeFirst(kernels, secondCache, 1);
    }

    /// <summary>A kernel set whose first decode waits until released, holding the instance busy.</summary>
    private sealed class BlockingKernels(ModelShape shape) : AttentionKernels(shape, "blocking")
    {
        private int _calls;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public override string Description => "waits in its first decode";

        protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.Set();
                Release.Wait(TimeSpan.FromMinutes(2));
            }
        }

        protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)
        {
        }
    }
}
