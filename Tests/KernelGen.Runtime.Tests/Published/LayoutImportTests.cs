using System;
using System.IO;
using System.Linq;
using KernelGen.Kernels;
using KernelGen.Patterns;
using KernelGen.Tools.LayoutImport;
using Xunit;

namespace KernelGen.Runtime.Tests.Published;

/// <summary>
/// DeepSpeed layouts, written as .npy files here, become KernelGen layout files through
/// <c>layout-import</c>: the reader of every element type, its errors, the causal refusal and the
/// explicit drop, and a DeepSpeed Fixed layout with two global blocks that imports and runs.
/// </summary>
public sealed class LayoutImportTests : IDisposable
{
    // FixedSparsityConfig(num_heads=8, block=16, different_layout_per_head=True, num_local_blocks=4,
    // num_global_blocks=2, attention='unidirectional', num_different_global_patterns=2).make_layout(304).
    private const int Heads = 8, Block = 16, Blocks = 19, LocalBlocks = 4, GlobalBlocks = 2, Patterns = 2;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kernelgen-layout-import-" + Guid.NewGuid().ToString("N"));

    public LayoutImportTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static bool[][,] DeepSpeedFixedTwoGlobals() =>
        PublishedMasks.DeepSpeedFixed(Heads, Blocks, LocalBlocks, GlobalBlocks, Patterns, differentLayoutPerHead: true);

    [Theory]
    [InlineData("<i8")]
    [InlineData("<i4")]
    [InlineData(">i4")]
    [InlineData("|i1")]
    [InlineData("|u1")]
    [InlineData("<u2")]
    [InlineData(">u8")]
    [InlineData("|b1")]
    [InlineData("<f2")]
    [InlineData("<f4")]
    [InlineData(">f8")]
    public void Reader_ReadsEveryElementType(string descr)
    {
        double[] values = descr[1] == 'b' ? new double[] { 1, 0, 1, 1, 0, 0 } : new double[] { 0, 1, 2, 3, 100, 7 };
        var array = NpyArray.Parse("a.npy", NpyWriter.Bytes(descr, new[] { 2, 3 }, values));
        Assert.Equal(new[] { 2, 3 }, array.Shape);
        Assert.Equal(descr, array.Descr);
        for (int n = 0; n < values.Length; n++)
        {
            Assert.Equal(values[n], array[n / 3, n % 3]);
        }
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(false, 3)]
    public void Reader_ReadsBothOrdersAndEveryVersion(bool fortranOrder, int version)
    {
        var values = Enumerable.Range(0, 24).Select(v => (double)v).ToArray();
        var array = NpyArray.Parse("a.npy", NpyWriter.Bytes("<i4", new[] { 2, 3, 4 }, values, fortranOrder, version));
        Assert.Equal(fortranOrder, array.FortranOrder);
        for (int n = 0; n < 24; n++)
        {
            Assert.Equal(n, array[n / 12, n / 4 % 3, n % 4]);
        }
    }

    [Fact]
    public void Reader_RefusesWhatIsNotAnArrayItReads()
    {
        byte[] good = NpyWriter.Bytes("<i8", new[] { 2, 2 }, new double[] { 1, 0, 1, 1 });
        AssertProblem("not a .npy file", new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        AssertProblem("needs 32 bytes of data, but the file has 24 (truncated?)", good[..^8]);
        AssertProblem("(bytes after the array)", good.Concat(new byte[] { 0 }).ToArray());
        AssertProblem("element type '<c8' is not supported", NpyWriter.Bytes("<i8", new[] { 1 }, new double[] { 1 }).Select(b => b == (byte)'i' ? (byte)'c' : b).ToArray());
        AssertProblem("format version 9.0", good.Select((b, i) => i == 6 ? (byte)9 : b).ToArray());
        AssertProblem("the file ends (60 bytes) inside the header", good[..60]);
    }

    [Fact]
    public void Reader_HugeShapes_AreRefusedWithoutOverflow() =>
        AssertProblem("shape (2147483647, 2147483647, 2147483647) of <i8 needs more than 8 bytes of data, but the file has 8 (truncated?)",
            NpyWriter.Bytes("<i8", new[] { 2147483647, 2147483647, 2147483647 }, new double[] { 1 }));

    [Fact]
    public void Reader_CorruptedFiles_FailOnlyWithTheirProblem()
    {
        // Every byte of a good file's header and data overwritten in turn, and random bytes: a result or a NpyFormatException, nothing else.
        byte[] good = NpyWriter.Bytes("<i4", new[] { 2, 3 }, new double[] { 1, 0, 1, 0, 1, 1 });
        var random = new Random(3);
        for (int position = 0; position < good.Length; position++)
        {
            foreach (byte value in new byte[] { 0, (byte)'(', (byte)',', (byte)'\'', (byte)'9', 0xFF, (byte)random.Next(256) })
            {
                var bytes = (byte[])good.Clone();
                bytes[position] = value;
                AssertParsesOrRefuses(bytes);
            }
        }

        for (int n = 0; n < 200; n++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            AssertParsesOrRefuses(n % 2 == 0 ? bytes : good[..10].Concat(bytes).ToArray());
        }
    }

    [Fact]
    public void DeepSpeedFixedWithTwoGlobalBlocks_IsNotCausal_AndIsRefusedByDefault()
    {
        string npy = Save("fixed.npy", NpyWriter.Layout(DeepSpeedFixedTwoGlobals()));
        var (code, output, error) = Run(npy, "--block", "16");
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("fixed.npy: head 0, query block 2 attends key block 3, after its own", error);
        Assert.Contains("KG0043", error);
        Assert.Contains("Rerun with --drop-above-diagonal to leave out the " + AboveDiagonal(DeepSpeedFixedTwoGlobals()) + " blocks above the diagonal", error);
        Assert.False(File.Exists(Path.ChangeExtension(npy, ".layout")));
    }

    [Fact]
    public void DeepSpeedFixedWithTwoGlobalBlocks_ImportsWithTheDrop_AndRuns()
    {
        var deepSpeed = DeepSpeedFixedTwoGlobals();
        string npy = Save("deepspeed-fixed.npy", NpyWriter.Layout(deepSpeed));
        var (code, output, error) = Run(npy, "--block", "16", "--drop-above-diagonal");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        int above = AboveDiagonal(deepSpeed);
        Assert.True(above > 0);
        Assert.Contains("dropped " + above + " blocks above the diagonal (head 0: ", output);
        Assert.Contains("one matrix for each of 8 heads, 19 blocks of 16 tokens; use it with MaxSeqLen 289 to 304", output);

        // The file is the layout DeepSpeed's softmax sees (causal): block for block, head for head.
        string layoutPath = Path.ChangeExtension(npy, ".layout");
        var pattern = AttentionPattern.LoadLayout(layoutPath, Heads, 300);
        for (int head = 0; head < Heads; head++)
        {
            for (int query = 0; query < 300; query += 5)
            {
                for (int key = 0; key <= query; key++)
                {
                    Assert.Equal(deepSpeed[head][query / Block, key / Block], pattern.Attends(head, Heads, query, key));
                }
            }
        }

        // It is the attribute form too: Fixed(l = 4·16, c = 2·16, SummaryPatterns = 2).
        var attribute = AttentionPattern.Fixed(LocalBlocks * Block, GlobalBlocks * Block, summaryPatterns: Patterns);
        for (int head = 0; head < Heads; head++)
        {
            for (int query = 0; query < 300; query++)
            {
                for (int key = 0; key <= query; key++)
                {
                    Assert.Equal(attribute.Attends(head, Heads, query, key), pattern.Attends(head, Heads, query, key));
                }
            }
        }

        // And it runs: generic kernels against the reference, prefill then decode.
        var run = new AttentionAgreement(new GenericAttention(new ModelShape(64, 1, Heads, 2, 300), new[] { pattern }), seed: 9);
        run.Prefill(70);
        run.Prefill(17);
        for (int i = 0; i < 30; i++)
        {
            run.Decode();
        }

        run.Prefill(300 - 117);

        // The layout the test model compiles (Layouts/deepspeed-fixed.layout) is this import, byte for byte.
        Assert.Equal(File.ReadAllText(Path.Combine("Layouts", "deepspeed-fixed.layout")).ReplaceLineEndings("\n"), File.ReadAllText(layoutPath));
    }

    [Fact]
    public void EqualHeads_BecomeOneSharedMatrix()
    {
        var shared = PublishedMasks.DeepSpeedFixed(4, 8, 4, 1, 1, differentLayoutPerHead: false);
        var result = LayoutConversion.ToLayoutText("shared.npy", NpyArray.Parse("shared.npy", NpyWriter.Layout(shared, "|b1")), 8, dropAboveDiagonal: false);
        Assert.True(result.Shared);
        Assert.Equal(0, result.DroppedAboveDiagonal);
        Assert.DoesNotContain("head ", result.Text.Split('\n').Where(line => !line.StartsWith('#')));
        var pattern = AttentionPattern.LoadLayout(Save("shared.layout", System.Text.Encoding.ASCII.GetBytes(result.Text)), 4, 64);
        Assert.Equal(1, pattern.LayoutTableCount);
    }

    [Fact]
    public void LayoutsThatAreNotBlockLayouts_AreRefusedWithTheirPlace()
    {
        AssertRefused("shape (2, 3, 4) is not a block layout", NpyWriter.Bytes("<i8", new[] { 2, 3, 4 }, new double[24]));
        AssertRefused("head 0, row 1, column 0 holds 0.5", NpyWriter.Bytes("<f4", new[] { 2, 2 }, new[] { 1, 0, 0.5, 1 }));
        AssertRefused("head 1, query block 1 does not attend its own block", NpyWriter.Bytes("|u1", new[] { 2, 2, 2 }, new double[] { 1, 0, 1, 1, 1, 0, 1, 0 }));
    }

    [Fact]
    public void UsageErrors_ExitWithTwo()
    {
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("a.npy").Code);
        Assert.Contains("--block takes a positive number of tokens, not 'x'", Run("a.npy", "--block", "x").Error);
        Assert.Contains("missing.npy: no such file", Run(Path.Combine(_directory, "missing.npy"), "--block", "4").Error);
    }

    private static int AboveDiagonal(bool[][,] layout) =>
        layout.Sum(m => Enumerable.Range(0, m.GetLength(0)).Sum(row => Enumerable.Range(row + 1, m.GetLength(0) - row - 1).Count(col => m[row, col])));

    private static void AssertParsesOrRefuses(byte[] bytes)
    {
        try
        {
            // What parses is whole: every element can be read.
            var array = NpyArray.Parse("fuzz.npy", bytes);
            var index = new int[array.Shape.Count];
            for (long n = 0; n < array.Count; n++)
            {
                Assert.True(double.IsFinite(array[index]) || array.Kind == 'f');
                for (int d = index.Length - 1; d >= 0 && ++index[d] == array.Shape[d]; d--)
                {
                    index[d] = 0;
                }
            }
        }
        catch (NpyFormatException e)
        {
            Assert.StartsWith("fuzz.npy: ", e.Message);
        }
    }

    private static void AssertProblem(string message, byte[] bytes) =>
        Assert.Contains(message, Assert.Throws<NpyFormatException>(() => NpyArray.Parse("bad.npy", bytes)).Message);

    private static void AssertRefused(string message, byte[] bytes)
    {
        var e = Assert.Throws<LayoutImportException>(() => LayoutConversion.ToLayoutText("bad.npy", NpyArray.Parse("bad.npy", bytes), 4, dropAboveDiagonal: true));
        Assert.StartsWith("bad.npy: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    private string Save(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
