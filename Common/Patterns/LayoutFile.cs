using System;
using System.Collections.Generic;
using System.Globalization;
using KernelGen.Validation;

namespace KernelGen.Patterns;

/// <summary>
/// A block layout learned offline: which key blocks each query block attends, per head.
/// </summary>
/// <remarks>
/// Text format, one directive or row per line; blank lines and lines starting with '#' are ignored:
/// <code>
/// block 64          the block size b, in tokens (first directive)
/// head 0            starts head 0's matrix; leave "head" lines out for one matrix shared by all heads
/// 1000              row I: one character per key block J, '1' attends, '0' does not
/// 1100
/// 0110
/// 1011
/// </code>
/// Each matrix has ⌈MaxSeqLen / b⌉ rows of ⌈MaxSeqLen / b⌉ characters, is lower-triangular
/// (attention is causal) and sets every diagonal block (a query must attend at least itself).
/// </remarks>
internal sealed class LayoutFile
{
    public const string FileMissing = "KG0040";
    public const string Malformed = "KG0041";
    public const string WrongSize = "KG0042";
    public const string NotLowerTriangular = "KG0043";
    public const string DiagonalMissing = "KG0044";
    public const string WrongHeadCount = "KG0045";

    /// <summary>KG0051: a block table larger than KernelGen builds (see <see cref="MaxBlockRows"/>, <see cref="MaxTableEntries"/>).</summary>
    public const string TooLarge = "KG0051";

    /// <summary>
    /// Most query blocks a block table may have: ⌈MaxSeqLen / block⌉. The longest context (2^20)
    /// in blocks of 256 is 4,096; BigBird and learned layouts use blocks of 16 to 128 at 4K to 32K.
    /// </summary>
    public const int MaxBlockRows = 4096;

    /// <summary>
    /// Most key-block entries all of one pattern's tables may hold together (4M, 16 MB of emitted
    /// ints at most): a dense lower triangle of 2,048 blocks is 2.1M entries.
    /// </summary>
    public const int MaxTableEntries = 1 << 22;

    private LayoutFile(int blockSize, int[][][] tables)
    {
        BlockSize = blockSize;
        Tables = tables;
    }

    /// <summary>Block size in tokens.</summary>
    public int BlockSize { get; }

    /// <summary>[table][query block] → sorted key blocks; one table shared by all heads, or one per head.</summary>
    public int[][][] Tables { get; }

    /// <summary>One problem with a file: the rule, the 1-based line (0: the file as a whole) and what is wrong.</summary>
    public readonly struct Problem
    {
        public Problem(string id, int line, string message)
        {
            Id = id;
            Line = line;
            Message = message;
        }

        public string Id { get; }

        public int Line { get; }

        public string Message { get; }
    }

    /// <summary>Reads <paramref name="text"/>; returns the layout, or null with the problems found.</summary>
    public static LayoutFile? Parse(string text, int heads, int maxSeqLen, out List<Problem> problems)
    {
        problems = new List<Problem>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        int blockSize = 0;
        var matrices = new List<List<(int Line, string Row)>>();
        var headNumbers = new List<int>();

        for (int index = 0; index < lines.Length; index++)
        {
            int lineNumber = index + 1;
            string line = lines[index].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("block", StringComparison.Ordinal))
            {
                if (blockSize != 0)
                {
                    problems.Add(new Problem(Malformed, lineNumber, "a second 'block' line"));
                    return null;
                }

                if (!TryNumber(line.Substring("block".Length), out blockSize) || blockSize <= 0)
                {
                    problems.Add(new Problem(Malformed, lineNumber, "expected 'block <positive size>', found '" + line + "'"));
                    return null;
                }

                long blockRows = ((long)maxSeqLen + blockSize - 1) / blockSize;
                if (blockRows > MaxBlockRows)
                {
                    problems.Add(new Problem(TooLarge, lineNumber, Format(
                        "MaxSeqLen {0} in blocks of {1} is {2} block rows, more than the {3} a block table may have; use blocks of at least {4}",
                        maxSeqLen, blockSize, blockRows, MaxBlockRows, (maxSeqLen + MaxBlockRows - 1) / MaxBlockRows)));
                    return null;
                }

                continue;
            }

            if (line.StartsWith("head", StringComparison.Ordinal))
            {
                if (matrices.Count > headNumbers.Count)
                {
                    problems.Add(new Problem(Malformed, lineNumber, "a 'head' line after rows of a shared matrix: use 'head' lines for every matrix or for none"));
                    return null;
                }

                if (!TryNumber(line.Substring("head".Length), out int head) || head != matrices.Count)
                {
                    problems.Add(new Problem(Malformed, lineNumber, Format("expected 'head {0}' (heads are numbered in order from 0), found '{1}'", matrices.Count, line)));
                    return null;
                }

                if (head >= Math.Max(heads, 1))
                {
                    problems.Add(new Problem(WrongHeadCount, lineNumber, Format("'head {0}' is one matrix more than the model's {1} heads; give one shared matrix or one per head", head, heads)));
                    return null;
                }

                headNumbers.Add(head);
                matrices.Add(new List<(int, string)>());
                continue;
            }

            if (blockSize == 0)
            {
                problems.Add(new Problem(Malformed, lineNumber, "the file must start with 'block <size>' before any matrix row"));
                return null;
            }

            foreach (char c in line)
            {
                if (c != '0' && c != '1')
                {
                    problems.Add(new Problem(Malformed, lineNumber, "a matrix row holds only '0' and '1', but this one has " + Shown(c)));
                    return null;
                }
            }

            if (matrices.Count == 0)
            {
                matrices.Add(new List<(int, string)>());
            }

            matrices[matrices.Count - 1].Add((lineNumber, line));
        }

        if (blockSize == 0)
        {
            problems.Add(new Problem(Malformed, 0, "the file has no 'block <size>' line"));
            return null;
        }

        if (matrices.Count != 1 && matrices.Count != heads)
        {
            problems.Add(new Problem(WrongHeadCount, 0, Format("the layout has {0} head matrices, but the model has {1} heads; give one shared matrix or one per head", matrices.Count, heads)));
            return null;
        }

        int blocks = (int)(((long)maxSeqLen + blockSize - 1) / blockSize);
        var tables = new int[matrices.Count][][];
        long entries = 0;
        for (int m = 0; m < matrices.Count; m++)
        {
            var rows = matrices[m];
            string which = matrices.Count == 1 ? "the matrix" : Format("head {0}'s matrix", m);
            if (rows.Count != blocks)
            {
                problems.Add(new Problem(WrongSize, rows.Count > 0 ? rows[rows.Count - 1].Line : 0,
                    Format("{0} has {1} rows, but MaxSeqLen {2} in blocks of {3} needs {4}", which, rows.Count, maxSeqLen, blockSize, blocks)));
                continue;
            }

            tables[m] = new int[blocks][];
            for (int query = 0; query < blocks; query++)
            {
                var (lineNumber, row) = rows[query];
                if (row.Length != blocks)
                {
                    problems.Add(new Problem(WrongSize, lineNumber,
                        Format("row {0} of {1} has {2} blocks, but MaxSeqLen {3} in blocks of {4} needs {5}", query, which, row.Length, maxSeqLen, blockSize, blocks)));
                    break;
                }

                int above = row.IndexOf('1', query + 1);
                if (above > 0)
                {
                    problems.Add(new Problem(NotLowerTriangular, lineNumber,
                        Format("row {0} of {1} attends key block {2}, after its own: attention is causal, so the matrix must be lower-triangular", query, which, above)));
                    break;
                }

                if (row[query] != '1')
                {
                    problems.Add(new Problem(DiagonalMissing, lineNumber,
                        Format("row {0} of {1} does not attend its own block, so its first query would attend no key at all", query, which)));
                    break;
                }

                var keys = new List<int>();
                for (int key = 0; key <= query; key++)
                {
                    if (row[key] == '1')
                    {
                        keys.Add(key);
                    }
                }

                entries += keys.Count;
                if (entries > MaxTableEntries)
                {
                    problems.Add(new Problem(TooLarge, lineNumber, Format(
                        "the layout attends more than {0} key blocks in all (its tables would be too large to emit); use a larger block or a sparser layout", MaxTableEntries)));
                    return null;
                }

                tables[m][query] = keys.ToArray();
            }
        }

        return problems.Count == 0 ? new LayoutFile(blockSize, tables) : null;
    }

    /// <summary>A character for a message: control characters (a NUL byte, say) as their code, so the message stays one printable line.</summary>
    private static string Shown(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) ? Format("the character U+{0:X4}", (int)c) : "'" + c + "'";

    private static bool TryNumber(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static string Format(string format, params object[] args) => ShapeRules.Format(format, args);
}
