using KernelGen.Configuration;
using Xunit;

namespace KernelGen.Generator.Tests;

/// <summary>The small JSON reader shared by the generator (config files) and the runtime (safetensors headers, config files).</summary>
public class JsonTextTests
{
    [Fact]
    public void ReadsEveryKindWithItsPosition()
    {
        var root = JsonText.Parse("{\n  \"a\": [1, -2.5e3, true, false, null],\n  \"b\": \"x\\n\\u00e9\\\"\",\n  \"c\": {}\n}");
        Assert.Equal(JsonKind.Object, root.Kind);
        var a = root.Get("a")!;
        Assert.Equal((2, 8), (a.Line, a.Column));
        Assert.True(a.Items[0].TryGetInt64(out long one));
        Assert.Equal(1, one);
        Assert.False(a.Items[1].TryGetInt64(out _));
        Assert.True(a.Items[1].TryGetDouble(out double big));
        Assert.Equal(-2500, big);
        Assert.True(a.Items[2].Boolean);
        Assert.Equal(JsonKind.Null, a.Items[4].Kind);
        Assert.Equal("x\né\"", root.Get("b")!.Text);
        Assert.Equal(4, root.Get("c")!.Line);
        Assert.Null(root.Get("d"));
    }

    [Theory]
    [InlineData("{\"a\": 1,}", 1, "expected a member name")]
    [InlineData("{\"a\": 1}\n x", 2, "unexpected text after the JSON value")]
    [InlineData("{\"a\": 01}", 1, "expected ',' or '}'")]
    [InlineData("{\"a\": \"line\nbreak\"}", 1, "control character")]
    [InlineData("{\"a\": 1, \"a\": 2}", 1, "appears twice")]
    [InlineData("[1, 2", 1, "the text ends inside an array")]
    [InlineData("{\"a\": tru}", 1, "expected true")]
    [InlineData("{\"a\": \"\\q\"}", 1, "is not a JSON escape")]
    [InlineData("", 1, "the text ends where a value was expected")]
    public void RejectsWhatIsNotJson(string text, int line, string reason)
    {
        var e = Assert.Throws<JsonFormatException>(() => JsonText.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason, System.StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesNestingDeeperThanTheLimit()
    {
        var e = Assert.Throws<JsonFormatException>(() => JsonText.Parse(new string('[', 100) + new string(']', 100)));
        Assert.Contains("nested more than 64 deep", e.Reason, System.StringComparison.Ordinal);
    }
}
