using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KernelGen.Validation;

namespace KernelGen.Patterns;

/// <summary>
/// A causal attention pattern: which keys j ≤ i each query i attends. The same object describes a
/// layer to the reference kernels (through <see cref="Attends"/>, the written definition), to the
/// generic kernels (through its decomposition) and, for generated kernels, what the generator
/// compiled (each model class exposes <c>LayerPatterns</c>).
/// </summary>
public sealed class AttentionPattern : IEquatable<AttentionPattern>
{
    private readonly int[][][]? _layoutTables;
    private int[][][]? _bigBirdTables;

    private AttentionPattern(PatternParameters parameters, int[][][]? layoutTables = null)
    {
        Parameters = parameters;
        _layoutTables = layoutTables;
    }

    /// <summary>Every earlier key.</summary>
    public static AttentionPattern Dense { get; } = new(new PatternParameters { Kind = SparsePattern.Dense });

    /// <summary>The pattern's kind.</summary>
    public SparsePattern Kind => Parameters.Kind;

    /// <summary>Window of SlidingWindow and Global patterns.</summary>
    public int Window => Parameters.Window;

    /// <summary>Stride l of Strided.</summary>
    public int Stride => Parameters.Stride;

    /// <summary>Block length l of Fixed.</summary>
    public int BlockLength => Parameters.BlockLength;

    /// <summary>Summary width c of Fixed.</summary>
    public int Summary => Parameters.Summary;

    /// <summary>Leading tokens every query attends, for Global.</summary>
    public int GlobalTokens => Parameters.GlobalTokens;

    /// <summary>Block size of BigBird, Layout and QueryAware.</summary>
    public int BlockSize => Parameters.BlockSize;

    /// <summary>Most keys a QueryAware decode query attends (sinks, window and selected blocks).</summary>
    public int TokenBudget => Parameters.TokenBudget;

    internal PatternParameters Parameters { get; }

    /// <summary>Keys i − j &lt; <paramref name="window"/> (Longformer local attention, Mistral).</summary>
    public static AttentionPattern SlidingWindow(int window) =>
        Checked(new PatternParameters { Kind = SparsePattern.SlidingWindow, Window = window });

    /// <summary>Sparse Transformer strided: i − j &lt; l or (i − j) mod l = 0; split: half the heads each.</summary>
    /// <param name="stride">The stride l.</param>
    /// <param name="splitHeads">Split: the first half of the heads attend the local band, the second half the strided keys.</param>
    /// <param name="localWindow">
    /// Keys in the local band, the query's own included; 0: <paramref name="stride"/> (openai's
    /// <c>local(l)</c>). The paper's A(1) = {max(0, i − l), …, i} is <paramref name="stride"/> + 1.
    /// </param>
    public static AttentionPattern Strided(int stride, bool splitHeads = false, int localWindow = 0) =>
        Checked(new PatternParameters { Kind = SparsePattern.Strided, Stride = stride, SplitHeads = splitHeads, LocalWindow = localWindow });

    /// <summary>Sparse Transformer fixed: the own block of <paramref name="block"/> keys plus the last <paramref name="summary"/> keys of each earlier block.</summary>
    /// <param name="block">The block length l.</param>
    /// <param name="summary">The summary width c.</param>
    /// <param name="perHeadSummary">Head h uses the (h mod l/c)-th c-wide slice from each block's end.</param>
    /// <param name="summaryPatterns">
    /// P: head h uses slice h mod P (openai's <c>num_verts</c>, DeepSpeed's
    /// <c>num_different_global_patterns</c>); 0: l/c with <paramref name="perHeadSummary"/>, else 1.
    /// </param>
    public static AttentionPattern Fixed(int block, int summary, bool perHeadSummary = false, int summaryPatterns = 0) =>
        Checked(new PatternParameters { Kind = SparsePattern.Fixed, BlockLength = block, Summary = summary, PerHeadSummary = perHeadSummary, SummaryPatterns = summaryPatterns });

    /// <summary>The first <paramref name="globalTokens"/> keys (sinks) plus a sliding <paramref name="window"/>.</summary>
    public static AttentionPattern Global(int globalTokens, int window) =>
        Checked(new PatternParameters { Kind = SparsePattern.Global, GlobalTokens = globalTokens, Window = window });

    /// <summary>BigBird at block level: window, global and seeded random key blocks per query block.</summary>
    /// <param name="blockSize">The block size b, in tokens.</param>
    /// <param name="windowBlocks">Key blocks in the causal window, the query's own included (0 with <paramref name="slidingWindowBlocks"/>).</param>
    /// <param name="globalBlocks">The first blocks, global as rows and columns.</param>
    /// <param name="randomBlocks">Random key blocks per query block.</param>
    /// <param name="seed">Seed of the random draw.</param>
    /// <param name="slidingWindowBlocks">DeepSpeed's symmetric <c>num_sliding_window_blocks</c> n, causally ⌊n/2⌋ + 1 blocks; instead of <paramref name="windowBlocks"/>.</param>
    /// <param name="globalBlockIndices">More global blocks by index, such as "0,10" or "0-1" (DeepSpeed BSLongformer's <c>global_block_indices</c>).</param>
    /// <param name="differentLayoutPerHead">Each head draws its own random blocks (DeepSpeed's <c>different_layout_per_head</c>).</param>
    /// <param name="randomAmongAllBlocks">Draw from every block up to the diagonal, as DeepSpeed does, not only from those not yet attended.</param>
    public static AttentionPattern BigBird(
        int blockSize, int windowBlocks, int globalBlocks, int randomBlocks, int seed,
        int slidingWindowBlocks = 0, string? globalBlockIndices = null, bool differentLayoutPerHead = false, bool randomAmongAllBlocks = false) =>
        Checked(new PatternParameters
        {
            Kind = SparsePattern.BigBird, BlockSize = blockSize, WindowBlocks = windowBlocks,
            GlobalBlocks = globalBlocks, RandomBlocks = randomBlocks, Seed = seed,
            SlidingWindowBlocks = slidingWindowBlocks, GlobalBlockIndices = PublishedForms.CanonicalBlockIndices(globalBlockIndices),
            DifferentLayoutPerHead = differentLayoutPerHead, RandomAmongAllBlocks = randomAmongAllBlocks,
        });

    /// <summary>
    /// Query-aware block selection (Quest, Tang et al. 2024): a decode query attends the first
    /// <paramref name="globalTokens"/> keys, the latest <paramref name="window"/> keys, and the blocks
    /// of <paramref name="blockSize"/> keys between them whose upper bound on the query's scores —
    /// from the per-channel minimum and maximum of each block's keys, kept by the cache — is
    /// highest, as many as <paramref name="tokenBudget"/> leaves room for. Prefill is dense causal.
    /// </summary>
    /// <param name="blockSize">Keys per selectable block (and per key-bound entry of the cache).</param>
    /// <param name="tokenBudget">Most keys a query attends: sinks + window + ⌊(budget − sinks − window) / block⌋ blocks.</param>
    /// <param name="globalTokens">Sinks: the first keys, always attended (0 for none).</param>
    /// <param name="window">The latest keys, the query's own included, always attended; a multiple of <paramref name="blockSize"/>.</param>
    public static AttentionPattern QueryAware(int blockSize, int tokenBudget, int globalTokens, int window) =>
        Checked(new PatternParameters { Kind = SparsePattern.QueryAware, BlockSize = blockSize, TokenBudget = tokenBudget, GlobalTokens = globalTokens, Window = window });

    /// <summary>
    /// A learned block layout: <paramref name="tables"/>[t][I] lists the key blocks query block I
    /// attends, one table shared by every head or one per head.
    /// </summary>
    public static AttentionPattern Layout(int blockSize, int[][][] tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        if (tables.Length == 0)
        {
            throw new ArgumentException("A layout needs at least one table.", nameof(tables));
        }

        var copy = new int[tables.Length][][];
        for (int t = 0; t < tables.Length; t++)
        {
            copy[t] = new int[tables[t].Length][];
            for (int query = 0; query < tables[t].Length; query++)
            {
                var keys = tables[t][query].OrderBy(k => k).Distinct().ToArray();
                if (keys.Length == 0 || keys[^1] != query || keys[0] < 0)
                {
                    throw new ArgumentException(
                        $"Layout table {t}, query block {query}: key blocks must lie in 0..{query} and include {query} itself (attention is causal; a query attends at least itself).",
                        nameof(tables));
                }

                copy[t][query] = keys;
            }
        }

        return new AttentionPattern(new PatternParameters { Kind = SparsePattern.Layout, BlockSize = blockSize }, copy);
    }

    /// <summary>
    /// A learned block layout from a flattened table, as generated code bakes it:
    /// <paramref name="tables"/> tables of <paramref name="rowsPerTable"/> query blocks each; row r's
    /// key blocks are <paramref name="keyBlocks"/>[<paramref name="rowStarts"/>[r]..<paramref name="rowStarts"/>[r + 1]].
    /// </summary>
    public static AttentionPattern Layout(int blockSize, int tables, int rowsPerTable, ReadOnlySpan<int> rowStarts, ReadOnlySpan<int> keyBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tables);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerTable);
        if (rowStarts.Length != tables * rowsPerTable + 1)
        {
            throw new ArgumentException($"{tables} tables of {rowsPerTable} rows need {tables * rowsPerTable + 1} row starts, not {rowStarts.Length}.", nameof(rowStarts));
        }

        var nested = new int[tables][][];
        for (int t = 0; t < tables; t++)
        {
            nested[t] = new int[rowsPerTable][];
            for (int row = 0; row < rowsPerTable; row++)
            {
                int r = t * rowsPerTable + row;
                nested[t][row] = keyBlocks[rowStarts[r]..rowStarts[r + 1]].ToArray();
            }
        }

        return Layout(blockSize, nested);
    }

    /// <summary>Reads a layout file (format: see the README) for a model with <paramref name="heads"/> heads and context <paramref name="maxSeqLen"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file, the line and the rule.</exception>
    public static AttentionPattern LoadLayout(string path, int heads, int maxSeqLen)
    {
        // Read with a bound, and never from a FIFO or device (RegularFile): 64 MB is far above any real layout.
        var bytes = KernelGen.IO.RegularFile.ReadAllBytes(path, 64L << 20, problem => new InvalidDataException("Layout file " + problem));
        var layout = LayoutFile.Parse(new System.Text.UTF8Encoding(false).GetString(bytes), heads, maxSeqLen, out var problems);
        if (layout is null)
        {
            var problem = problems[0];
            throw new InvalidDataException($"{path}{(problem.Line > 0 ? $"({problem.Line})" : "")}: {problem.Message} [{problem.Id}]");
        }

        return new AttentionPattern(new PatternParameters { Kind = SparsePattern.Layout, BlockSize = layout.BlockSize }, layout.Tables);
    }

    /// <summary>
    /// The definition: whether query <paramref name="query"/> of head <paramref name="head"/> (of
    /// <paramref name="heads"/>) attends key <paramref name="key"/>. Written from the patterns'
    /// definitions, independently of how kernels enumerate keys.
    /// </summary>
    public bool Attends(int head, int heads, int query, int key)
    {
        if (key < 0 || key > query)
        {
            return false;
        }

        int distance = query - key;
        var p = Parameters;
        switch (p.Kind)
        {
            case SparsePattern.Dense:
                return true;
            case SparsePattern.QueryAware:
                // Which keys a decode query attends depends on the query and the cached keys
                // (QueryAwareReference.Select); here, the keys it may attend: every earlier one,
                // which is also what its dense causal prefill attends.
                return true;
            case SparsePattern.SlidingWindow:
                return distance < p.Window;
            case SparsePattern.Strided:
            {
                bool local = distance < PublishedForms.LocalWindow(p), strided = distance % p.Stride == 0;
                return !p.SplitHeads ? local || strided : head < heads / 2 ? local : strided;
            }

            case SparsePattern.Fixed:
            {
                int l = p.BlockLength, c = p.Summary;
                int slice = head % PublishedForms.SummaryPatterns(p);
                int column = key % l;
                bool summary = column >= l - c * (slice + 1) && column < l - c * slice;
                return key / l == query / l || summary;
            }

            case SparsePattern.Global:
                return key < p.GlobalTokens || distance < p.Window;
            case SparsePattern.BigBird:
                return Array.BinarySearch(BigBirdRow(head, query / p.BlockSize), key / p.BlockSize) >= 0;
            case SparsePattern.Layout:
                return Array.BinarySearch(LayoutTable(head)[query / p.BlockSize], key / p.BlockSize) >= 0;
            default:
                throw new InvalidOperationException($"Unknown pattern {p.Kind}.");
        }
    }

    /// <summary>Checks that this pattern fits a model; throws naming the parameter.</summary>
    public void CheckFits(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Throw(PatternRules.Check(Parameters, shape.Heads, shape.MaxSeqLen));
        if (_layoutTables is not null)
        {
            int blocks = (shape.MaxSeqLen + BlockSize - 1) / BlockSize;
            if (_layoutTables.Length != 1 && _layoutTables.Length != shape.Heads)
            {
                throw new ArgumentException($"The layout has {_layoutTables.Length} tables, but the model has {shape.Heads} heads; give one shared table or one per head.");
            }

            if (_layoutTables[0].Length != blocks)
            {
                throw new ArgumentException($"The layout has {_layoutTables[0].Length} query blocks, but MaxSeqLen {shape.MaxSeqLen} in blocks of {BlockSize} needs {blocks}.");
            }
        }
    }

    /// <summary>"Strided(stride 128)", for logs.</summary>
    public override string ToString()
    {
        var p = Parameters;
        return p.Kind switch
        {
            SparsePattern.Dense => "Dense",
            SparsePattern.SlidingWindow => $"SlidingWindow(window {p.Window})",
            SparsePattern.Strided => $"Strided(stride {p.Stride}{(p.SplitHeads ? ", split heads" : "")}{(p.LocalWindow > 0 ? $", local window {p.LocalWindow}" : "")})",
            SparsePattern.Fixed => $"Fixed(block {p.BlockLength}, summary {p.Summary}{(p.PerHeadSummary ? ", per-head summary" : "")}{(p.SummaryPatterns > 0 ? $", {p.SummaryPatterns} summary patterns" : "")})",
            SparsePattern.Global => $"Global({p.GlobalTokens} global tokens, window {p.Window})",
            SparsePattern.BigBird => $"BigBird(block {p.BlockSize}, {(p.SlidingWindowBlocks > 0 ? $"sliding window {p.SlidingWindowBlocks}" : $"window {p.WindowBlocks}")}, global {p.GlobalBlocks}"
                + $"{(p.GlobalBlockIndices is { } indices ? $" and blocks {indices}" : "")}, random {p.RandomBlocks}, seed {p.Seed}"
                + $"{(p.DifferentLayoutPerHead ? ", per head" : "")}{(p.RandomAmongAllBlocks ? ", among all blocks" : "")})",
            SparsePattern.QueryAware => $"QueryAware(block {p.BlockSize}, budget {p.TokenBudget}, {p.GlobalTokens} sinks, window {p.Window})",
            _ => $"Layout(block {p.BlockSize}, {_layoutTables!.Length} table{(_layoutTables.Length == 1 ? "" : "s")})",
        };
    }

    /// <inheritdoc />
    public bool Equals(AttentionPattern? other) =>
        other is not null && Parameters.Equals(other.Parameters) && SameTables(_layoutTables, other._layoutTables);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as AttentionPattern);

    /// <inheritdoc />
    public override int GetHashCode() => Parameters.GetHashCode();

    /// <summary>Number of layout tables (1 shared, or one per head); 1 for other patterns.</summary>
    internal int LayoutTableCount => _layoutTables?.Length ?? 1;

    /// <summary>The key blocks query block <paramref name="queryBlock"/> attends, for block patterns (the head class is the head for per-head tables).</summary>
    internal int[] BlockRow(int headClass, int queryBlock) =>
        Parameters.Kind == SparsePattern.BigBird ? BigBirdRow(headClass, queryBlock) : _layoutTables![headClass][queryBlock];

    /// <summary>Builds what the pattern needs for contexts up to <paramref name="maxSeqLen"/> and <paramref name="heads"/> heads (BigBird's random tables).</summary>
    internal void Prepare(int maxSeqLen, int heads = 1)
    {
        if (Parameters.Kind == SparsePattern.BigBird)
        {
            int blocks = (maxSeqLen + BlockSize - 1) / BlockSize;
            int tableCount = Parameters.DifferentLayoutPerHead ? Math.Max(1, heads) : 1;
            var tables = _bigBirdTables;
            if (tables is null || tables[0].Length < blocks || tables.Length < tableCount)
            {
                // Built whole and published at once, so a reader never sees a half-built table.
                blocks = Math.Max(blocks, tables?[0].Length ?? 0);
                tableCount = Math.Max(tableCount, tables?.Length ?? 0);
                var built = new int[tableCount][][];
                for (int t = 0; t < tableCount; t++)
                {
                    built[t] = BigBirdBlocks.Build(blocks, Parameters, t);
                }

                _bigBirdTables = built;
            }
        }
    }

    private int[] BigBirdRow(int head, int queryBlock)
    {
        int table = Parameters.DifferentLayoutPerHead ? head : 0;
        var tables = _bigBirdTables;
        if (tables is null || queryBlock >= tables[0].Length || table >= tables.Length)
        {
            Prepare((queryBlock + 1) * BlockSize, table + 1);
            tables = _bigBirdTables!;
        }

        return tables[table][queryBlock];
    }

    private int[][] LayoutTable(int head) => _layoutTables![_layoutTables.Length == 1 ? 0 : head];

    private static AttentionPattern Checked(PatternParameters parameters)
    {
        // Context and heads are checked when the pattern meets a model (CheckFits); here only
        // what can be judged alone: positive sizes, summary within its block.
        Throw(PatternRules.Check(parameters, heads: int.MaxValue, maxSeqLen: int.MaxValue));
        return new AttentionPattern(parameters);
    }

    private static void Throw(List<RuleViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw new ArgumentException(
                "Invalid attention pattern: " + string.Join("; ", violations.Select(v => v.Message + " [" + v.Id + "]")) + ".",
                violations[0].Field);
        }
    }

    private static bool SameTables(int[][][]? a, int[][][]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Length == b.Length
            && a.Zip(b).All(t => t.First.Length == t.Second.Length && t.First.Zip(t.Second).All(r => r.First.SequenceEqual(r.Second))));
}
