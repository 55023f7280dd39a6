using KernelGen.Runtime.Tests.Models;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>A shape built at run time is judged by the same rules, with the same IDs, as an attribute at compile time.</summary>
public class ModelShapeTests
{
    [Theory]
    [InlineData(0, 1, 8, 8, 512, "KG0001", "Dim", "Dim must be positive, but is 0")]
    [InlineData(64, -2, 8, 8, 512, "KG0001", "Layers", "Layers must be positive, but is -2")]
    [InlineData(64, 1, 8, 0, 512, "KG0001", "KvHeads", "KvHeads must be positive, but is 0")]
    [InlineData(65, 1, 8, 8, 512, "KG0002", "Dim", "Dim (65) must be a multiple of Heads (8)")]
    [InlineData(64, 1, 8, 3, 512, "KG0003", "KvHeads", "Heads (8) must be a multiple of KvHeads (3)")]
    [InlineData(72, 1, 8, 8, 512, "KG0004", "Heads", "Dim / Heads = 72 / 8 = 9 is odd")]
    [InlineData(64, 1, 8, 8, 2_000_000, "KG0005", "MaxSeqLen", "MaxSeqLen (2000000) is larger than 1048576")]
    [InlineData(4096, 1, 2, 2, 512, "KG0006", "Heads", "is larger than 1024")]
    public void InvalidShape_ThrowsWithTheRuleAndTheValue(int dim, int layers, int heads, int kvHeads, int maxSeqLen, string rule, string field, string message)
    {
        var error = Assert.Throws<ModelShapeException>(() => new ModelShape(dim, layers, heads, kvHeads, maxSeqLen));
        Assert.Equal(rule, error.RuleId);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void NegativeVocab_IsRejected() =>
        Assert.Equal("Vocab", Assert.Throws<ModelShapeException>(() => new ModelShape(64, 1, 8, 8, 512, vocab: -512)).Field);

    [Theory]
    [InlineData(8, 8, "MHA", 1)]
    [InlineData(8, 2, "GQA", 4)]
    [InlineData(8, 1, "MQA", 8)]
    public void AttentionKind_FollowsTheHeadGrouping(int heads, int kvHeads, string kind, int group)
    {
        var shape = new ModelShape(heads * 16, 1, heads, kvHeads, 64);
        Assert.Equal(kind, shape.AttentionKind);
        Assert.Equal(group, shape.GroupSize);
        Assert.Equal(16, shape.HeadDim);
        Assert.Equal(kvHeads * 16, shape.KvDim);
    }

    [Fact]
    public void CompiledShape_AcceptsSameGeometryWithShorterContext_RejectsOtherGrouping()
    {
        var compiled = GqaHeadDim8.Shape;
        Assert.True(compiled.Accepts(new ModelShape(64, 2, 8, 2, 128)));
        Assert.False(compiled.Accepts(new ModelShape(64, 2, 8, 4, 128)));
        Assert.False(compiled.Accepts(new ModelShape(64, 2, 8, 2, 4096)));
        Assert.False(compiled.Accepts(new ModelShape(64, 3, 8, 2, 128)));
    }

    [Fact]
    public void GeneratedShape_IsTheAttributesShape()
    {
        Assert.Equal(new ModelShape(1024, 2, 8, 1, 320), MqaHeadDim128.Shape);
        Assert.Equal(128, MqaHeadDim128.Shape.HeadDim);
    }
}
