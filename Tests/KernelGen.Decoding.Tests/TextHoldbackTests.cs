using System;
using System.Text;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>What a generation releases: whole UTF-8 characters only, nothing that may start a stop sequence.</summary>
public sealed class TextHoldbackTests
{
    [Fact]
    public void ACharacterSplitAcrossTokensComesOutWhole()
    {
        var text = new TextHoldback([]);
        byte[] euro = Encoding.UTF8.GetBytes("€");   // E2 82 AC
        Assert.Equal("a", Add(text, [(byte)'a', euro[0]]));
        Assert.Equal("", Add(text, [euro[1]]));
        Assert.Equal("€b", Add(text, [euro[2], (byte)'b']));

        byte[] emoji = Encoding.UTF8.GetBytes("😀");  // four bytes
        Assert.Equal("", Add(text, emoji.AsSpan(0, 3)));
        Assert.Equal("😀", Add(text, emoji.AsSpan(3)));
    }

    [Fact]
    public void AStrayContinuationByteIsNotHeldForEver()
    {
        var text = new TextHoldback([]);
        Assert.Equal("x\uFFFD", Add(text, [(byte)'x', 0x82]));
    }

    [Fact]
    public void AnUnfinishedCharacterGoesOutAtTheEnd()
    {
        var text = new TextHoldback([]);
        Assert.Equal("", Add(text, [0xE2]));
        Assert.Equal("\uFFFD", Encoding.UTF8.GetString(text.Flush()));
    }

    [Fact]
    public void TextThatMayStartAStopSequenceWaits()
    {
        var text = new TextHoldback(["</s>", "User:"]);
        Assert.Equal("Hello ", Add(text, "Hello <"u8));
        Assert.Equal("", Add(text, "/"u8));
        Assert.Equal("</x", Add(text, "x"u8));          // not a stop after all
        Assert.Equal("Us", Add(text, "UsU"u8));          // "U" may begin "User:"
        var released = text.Add("ser: more"u8, final: false, out bool stopped);
        Assert.True(stopped);
        Assert.Equal("", Encoding.UTF8.GetString(released));
    }

    [Fact]
    public void AStopSequenceInsideOnePieceCutsIt()
    {
        var text = new TextHoldback(["\n\n"]);
        var released = text.Add("end.\n\nNext"u8, final: false, out bool stopped);
        Assert.True(stopped);
        Assert.Equal("end.", Encoding.UTF8.GetString(released));
    }

    [Fact]
    public void TheFinalPieceReleasesEverythingHeld()
    {
        var text = new TextHoldback(["STOP"]);
        Assert.Equal("a", Add(text, "aST"u8));
        var released = text.Add("O"u8, final: true, out bool stopped);
        Assert.False(stopped);
        Assert.Equal("STO", Encoding.UTF8.GetString(released));
    }

    private static string Add(TextHoldback text, ReadOnlySpan<byte> bytes)
    {
        var released = text.Add(bytes, final: false, out bool stopped);
        Assert.False(stopped);
        return Encoding.UTF8.GetString(released);
    }
}
