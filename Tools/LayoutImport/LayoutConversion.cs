using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace KernelGen.Tools.LayoutImport;

/// <summary>What <see cref="LayoutConversion.ToLayoutText"/> made of a block tensor.</summary>
/// <param name="Text">The KernelGen layout file.</param>
/// <param name="Heads">Heads in the tensor.</param>
/// <param name="Blocks">Query (and key) blocks per head.</param>
/// <param name="Shared">All heads were equal, so the file holds one matrix for them all.</param>
/// <param name="DroppedAboveDiagonal">Blocks above the diagonal that were set and left out (0 unless asked to drop them).</param>
/// <param name="DroppedByHead">Of those, how many in each head.</param>
public sealed record LayoutConversionResult(string Text, int Heads, int Blocks, bool Shared, int DroppedAboveDiagonal, IReadOnlyList<int> DroppedByHead);

/// <summary>
/// Turns a block layout tensor, <c>[heads, blocks, blocks]</c> as DeepSpeed's
/// <c>SparsityConfig.make_layout(seq_len)</c> returns it (or one <c>[blocks, blocks]</c> matrix), into
/// a KernelGen layout file: <c>block b</c>, then one matrix shared by every head when all heads
/// are equal, else a <c>head h</c> matrix each.
/// </summary>
/// <remarks>
/// KernelGen attention is causal, so a block above the diagonal (query block I attending key
/// block J &gt; I) is refused unless <c>dropAboveDiagonal</c> is set; then it is left out and
/// counted. DeepSpeed writes such blocks for a unidirectional Fixed layout with
/// num_global_blocks ≥ 2 (<c>layout[h, i:, i:i + g] = 1</c> sets block (i, i + 1)) and for every
/// bidirectional layout; causal attention would mask them anyway, so dropping them changes no
/// attention weight of a unidirectional layout. A missing diagonal block is refused either way (a
/// query must attend itself).
/// </remarks>
public static class LayoutConversion
{
    /// <summary>Converts <paramref name="layout"/>; <paramref name="name"/> names it in errors.</summary>
    /// <param name="name">The file the tensor came from, for messages.</param>
    /// <param name="layout">The tensor: 1 (or any non-zero, true) attends, 0 does not.</param>
    /// <param name="blockSize">DeepSpeed's <c>block</c>, in tokens: the tensor does not record it.</param>
    /// <param name="dropAboveDiagonal">Leave blocks above the diagonal out (and count them) instead of refusing the layout.</param>
    /// <exception cref="LayoutImportException">The tensor is not a causal block layout; the message says where and why.</exception>
    public static LayoutConversionResult ToLayoutText(string name, NpyArray layout, int blockSize, bool dropAboveDiagonal)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (blockSize <= 0)
        {
            throw new LayoutImportException(Format("{0}: the block size must be positive, not {1}", name, blockSize));
        }

        var shape = layout.Shape;
        if (shape.Count is not (2 or 3) || shape[^1] != shape[^2] || shape[^1] == 0 || (shape.Count == 3 && shape[0] == 0))
        {
            throw new LayoutImportException(Format(
                "{0}: shape ({1}) is not a block layout: DeepSpeed's make_layout returns [heads, blocks, blocks] (or give one [blocks, blocks] matrix)",
                name, string.Join(", ", shape)));
        }

        int heads = shape.Count == 3 ? shape[0] : 1, blocks = shape[^1];
        var matrices = new bool[heads][,];
        var dropped = new int[heads];
        for (int h = 0; h < heads; h++)
        {
            matrices[h] = new bool[blocks, blocks];
            for (int row = 0; row < blocks; row++)
            {
                for (int col = 0; col < blocks; col++)
                {
                    double value = shape.Count == 3 ? layout[h, row, col] : layout[row, col];
                    if (value != 0 && value != 1)
                    {
                        throw new LayoutImportException(Format("{0}: head {1}, row {2}, column {3} holds {4}; a layout holds only 0 and 1", name, h, row, col, value));
                    }

                    if (value == 0)
                    {
                        continue;
                    }

                    if (col > row)
                    {
                        if (!dropAboveDiagonal)
                        {
                            throw new LayoutImportException(Format(
                                "{0}: head {1}, query block {2} attends key block {3}, after its own, and KernelGen attention is causal (the generator refuses such a file, KG0043). "
                                + "DeepSpeed writes this for unidirectional Fixed with num_global_blocks >= 2, and for every bidirectional layout. "
                                + "Rerun with --drop-above-diagonal to leave out the {5} blocks above the diagonal (causal attention masks them anyway)",
                                name, h, row, col, value, CountAbove(layout, heads, blocks)));
                        }

                        dropped[h]++;
                        continue;
                    }

                    matrices[h][row, col] = true;
                }
            }

            for (int row = 0; row < blocks; row++)
            {
                if (!matrices[h][row, row])
                {
                    throw new LayoutImportException(Format(
                        "{0}: head {1}, query block {2} does not attend its own block, so its first query would attend no key at all (KG0044)", name, h, row));
                }
            }
        }

        bool shared = matrices.All(m => Same(m, matrices[0]));
        var text = new StringBuilder();
        text.Append("# Imported from ").Append(name).Append(Format(": {0} head{1}, {2} blocks of {3} tokens (MaxSeqLen up to {4})", heads, heads == 1 ? "" : "s", blocks, blockSize, blocks * blockSize)).Append('\n');
        if (dropped.Sum() > 0)
        {
            text.Append(Format("# {0} blocks above the diagonal were left out (causal attention masks them)\n", dropped.Sum()));
        }

        text.Append(Format("block {0}\n", blockSize));
        for (int h = 0; h < (shared ? 1 : heads); h++)
        {
            if (!shared)
            {
                text.Append(Format("head {0}\n", h));
            }

            for (int row = 0; row < blocks; row++)
            {
                for (int col = 0; col < blocks; col++)
                {
                    text.Append(matrices[h][row, col] ? '1' : '0');
                }

                text.Append('\n');
            }
        }

        return new LayoutConversionResult(text.ToString(), heads, blocks, shared, dropped.Sum(), dropped);
    }

    private static int CountAbove(NpyArray layout, int heads, int blocks)
    {
        int count = 0;
        for (int h = 0; h < heads; h++)
        {
            for (int row = 0; row < blocks; row++)
            {
                for (int col = row + 1; col < blocks; col++)
                {
                    count += (layout.Shape.Count == 3 ? layout[h, row, col] : layout[row, col]) != 0 ? 1 : 0;
                }
            }
        }

        return count;
    }

    private static bool Same(bool[,] a, bool[,] b)
    {
        for (int row = 0; row < a.GetLength(0); row++)
        {
            for (int col = 0; col < a.GetLength(1); col++)
            {
                if (a[row, col] != b[row, col])
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
