using KernelGen.Kernels;
using KernelGen.Kernels.Engine;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>The packed kernels are written for the tiles the shared rule (the planner's) computes.</summary>
public class AttentionAlgorithmTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void PackedKernels_HaveTheRulesTile(int bits)
    {
        var tile = AttentionAlgorithms.Tile(bits);
        Assert.Equal(PackedAttention.KernelRows, tile.Rows);
        Assert.Equal(tile.Vectors, PackedAttention.KernelVectors(bits));
        Assert.True(tile.Registers <= AttentionAlgorithms.Registers(bits));
    }

    [Theory]
    [InlineData(512, 128)]
    [InlineData(256, 64)]
    [InlineData(0, 40)]
    public void OneRow_NeverPacks_AndThirtyTwoRowsOfACompressedCacheDo(int bits, int headDim)
    {
        foreach (var format in new[] { KvCacheFormat.Float32, KvCacheFormat.BFloat16, KvCacheFormat.Float16, KvCacheFormat.Int8 })
        {
            Assert.Equal(AttentionAlgorithm.RowDot, AttentionAlgorithms.Choose(1, headDim, bits, format));
        }

        Assert.Equal(AttentionAlgorithm.PackedGemm, AttentionAlgorithms.Choose(32, headDim, bits, KvCacheFormat.BFloat16));
        Assert.Equal(AttentionAlgorithm.PackedGemm, AttentionAlgorithms.Choose(32, headDim, bits, KvCacheFormat.Int8));
    }
}
