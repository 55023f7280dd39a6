using System;
using System.Globalization;
using System.IO;
using System.Linq;
using KernelGen.Patterns;

namespace KernelGen.Tools.LayoutImport;

/// <summary>
/// <c>layout-import</c>: a DeepSpeed block layout saved with <c>numpy.save</c> becomes a KernelGen
/// layout file in one command.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: layout-import <layout.npy> --block <tokens> [--out <file.layout>] [--drop-above-diagonal]

          <layout.npy>            the [heads, blocks, blocks] tensor of DeepSpeed's make_layout(seq_len),
                                  saved with numpy.save (bool, integer or float elements, 0 or 1)
          --block <tokens>        the config's block size (the tensor does not record it)
          --out <file.layout>     where to write (default: <layout>.layout beside the input)
          --drop-above-diagonal   leave out blocks after the query's own (KernelGen attention is causal)
                                  and report how many; without it such a layout is refused
        """;

    /// <summary>Runs the command; returns 0 on success, 1 when the input cannot be imported, 2 on a usage error.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command with the given output streams (for tests).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? input = null, outputPath = null;
        int blockSize = 0;
        bool drop = false;
        for (int a = 0; a < args.Length; a++)
        {
            switch (args[a])
            {
                case "--block" when a + 1 < args.Length:
                    if (!int.TryParse(args[++a], NumberStyles.None, CultureInfo.InvariantCulture, out blockSize) || blockSize <= 0)
                    {
                        return UsageError(error, "--block takes a positive number of tokens, not '" + args[a] + "'");
                    }

                    break;
                case "--out" when a + 1 < args.Length:
                    outputPath = args[++a];
                    break;
                case "--drop-above-diagonal":
                    drop = true;
                    break;
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    if (args[a].StartsWith('-') || input is not null)
                    {
                        return UsageError(error, "unexpected argument '" + args[a] + "'");
                    }

                    input = args[a];
                    break;
            }
        }

        if (input is null || blockSize == 0)
        {
            return UsageError(error, input is null ? "give the .npy file" : "give --block, the layout's block size in tokens");
        }

        outputPath ??= Path.ChangeExtension(input, ".layout");
        if (!File.Exists(input))
        {
            error.WriteLine("layout-import: " + input + ": no such file");
            return 1;
        }

        try
        {
            var tensor = NpyArray.Read(input);
            var result = LayoutConversion.ToLayoutText(Path.GetFileName(input), tensor, blockSize, drop);
            File.WriteAllText(outputPath, result.Text);

            // Read back through the rules the generator applies, so a file that is written compiles.
            int maxSeqLen = result.Blocks * blockSize;
            AttentionPattern.LoadLayout(outputPath, result.Heads, maxSeqLen);

            if (result.DroppedAboveDiagonal > 0)
            {
                output.WriteLine(string.Format(CultureInfo.InvariantCulture, "dropped {0} blocks above the diagonal ({1})",
                    result.DroppedAboveDiagonal, string.Join(", ", result.DroppedByHead.Select((n, h) => string.Format(CultureInfo.InvariantCulture, "head {0}: {1}", h, n)))));
            }

            output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "wrote {0}: {1}, {2} blocks of {3} tokens; use it with MaxSeqLen {4} to {5} as [SparseAttention(SparsePattern.Layout, LayoutFile = \"{6}\")] (an AdditionalFiles item)",
                outputPath, result.Shared ? (result.Heads == 1 ? "one matrix" : string.Format(CultureInfo.InvariantCulture, "{0} equal heads as one shared matrix", result.Heads))
                    : string.Format(CultureInfo.InvariantCulture, "one matrix for each of {0} heads", result.Heads),
                result.Blocks, blockSize, (result.Blocks - 1) * blockSize + 1, maxSeqLen, Path.GetFileName(outputPath)));
            return 0;
        }
        catch (Exception e) when (e is NpyFormatException or LayoutImportException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine("layout-import: " + e.Message);
            return 1;
        }
    }

    private static int UsageError(TextWriter error, string message)
    {
        error.WriteLine("layout-import: " + message);
        error.WriteLine(Usage);
        return 2;
    }
}
