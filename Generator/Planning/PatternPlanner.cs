using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelGen.Generator.Model;
using KernelGen.Patterns;

namespace KernelGen.Generator.Planning;

/// <summary>
/// Plans each distinct pattern: decomposes it with the shared <see cref="PatternLayout"/> (the
/// same code the runtime's generic kernels run), assigns heads to classes, and bakes block
/// tables (BigBird's seeded random blocks, a learned layout) into data.
/// </summary>
internal static class PatternPlanner
{
    public static PatternPlan Plan(PatternSpec pattern, ModelSpec spec, int index)
    {
        var parameters = pattern.Parameters;
        int tableCount = pattern.Tables.Count == 0 ? 1 : pattern.Tables.Count;
        int classCount = PatternLayout.HeadClassCount(parameters, spec.Heads, tableCount);

        var classes = new List<HeadClassPlan>();
        for (int c = 0; c < classCount; c++)
        {
            var components = PatternLayout.Components(parameters, c).Select(Component).ToList();
            int stride = components.FirstOrDefault(x => x.Kind == ComponentKind.Stride)?.Period ?? 0;
            classes.Add(new HeadClassPlan(components.ToEquatableArray(), stride));
        }

        var headsOf = new List<EquatableArray<int>>();
        if (classCount > 1)
        {
            for (int kvHead = 0; kvHead < spec.KvHeads; kvHead++)
            {
                for (int c = 0; c < classCount; c++)
                {
                    headsOf.Add(Enumerable.Range(kvHead * spec.GroupSize, spec.GroupSize)
                        .Where(h => PatternLayout.HeadClass(parameters, h, spec.Heads, tableCount) == c)
                        .ToEquatableArray());
                }
            }
        }

        var (starts, keys, rows) = BlockTables(pattern, parameters, spec, classCount);
        var layers = Enumerable.Range(0, spec.Layers).Where(l => spec.LayerPatterns[l] == index).ToEquatableArray();
        return new PatternPlan(
            Name(pattern), Summary(pattern), Construction(pattern), layers, classes.ToEquatableArray(), headsOf.ToEquatableArray(),
            PatternLayout.BlockLength(parameters), starts, keys, rows)
        {
            Selection = parameters.Kind == SparsePattern.QueryAware
                ? new SelectionPlan(parameters.BlockSize, parameters.TokenBudget, parameters.GlobalTokens, parameters.Window)
                : null,
        };
    }

    private static (EquatableArray<int> Starts, EquatableArray<int> Keys, int Rows) BlockTables(PatternSpec pattern, PatternParameters parameters, ModelSpec spec, int classCount)
    {
        int[][][] tables;
        if (parameters.Kind == SparsePattern.BigBird)
        {
            // One table, or one per head class when each head draws its own random blocks.
            int blocks = (spec.MaxSeqLen + parameters.BlockSize - 1) / parameters.BlockSize;
            tables = Enumerable.Range(0, classCount).Select(head => BigBirdBlocks.Build(blocks, parameters, head)).ToArray();
        }
        else if (parameters.Kind == SparsePattern.Layout)
        {
            tables = pattern.Tables.Select(t => t.Select(r => r.ToArray()).ToArray()).ToArray();
        }
        else
        {
            return (default, default, 0);
        }

        var starts = new List<int>();
        var keys = new List<int>();
        foreach (var table in tables)
        {
            foreach (var row in table)
            {
                starts.Add(keys.Count);
                keys.AddRange(row);
            }
        }

        starts.Add(keys.Count);
        return (starts.ToEquatableArray(), keys.ToEquatableArray(), tables[0].Length);
    }

    private static ComponentPlan Component(PatternComponent c)
    {
        string comment = c.Kind switch
        {
            ComponentKind.Band when c.Hi == int.MaxValue => "every key up to the query",
            ComponentKind.Band when c.Hi == 1 => "the query's own key",
            ComponentKind.Band => Invariant($"the band i - j < {c.Hi}"),
            ComponentKind.Stride => Invariant($"every {c.Period}th key before the query: i - j = m * {c.Period}, m >= 1"),
            ComponentKind.SameBlock => Invariant($"the query's own block of {c.Period}"),
            ComponentKind.Columns => Invariant($"summary keys {c.Offset}..{c.Offset + c.Width - 1} of every earlier block of {c.Period}"),
            ComponentKind.Prefix => Invariant($"the first {c.Width} keys, where the band does not reach them"),
            _ => Invariant($"the key blocks of {c.Period} listed for the query's block"),
        };
        return new ComponentPlan(c.Kind, c.Lo, c.Hi, c.Period, c.Offset, c.Width, comment);
    }

    private static string Name(PatternSpec p) => p.Parameters.Kind switch
    {
        SparsePattern.Dense => "Dense",
        SparsePattern.SlidingWindow => Invariant($"Window{p.Parameters.Window}"),
        SparsePattern.Strided => Invariant($"Strided{p.Parameters.Stride}{(p.Parameters.SplitHeads ? "Split" : "")}{(p.Parameters.LocalWindow > 0 ? Invariant($"Local{p.Parameters.LocalWindow}") : "")}"),
        SparsePattern.Fixed => Invariant($"Fixed{p.Parameters.BlockLength}x{p.Parameters.Summary}{(p.Parameters.PerHeadSummary ? "PerHead" : "")}{(p.Parameters.SummaryPatterns > 0 ? Invariant($"P{p.Parameters.SummaryPatterns}") : "")}"),
        SparsePattern.Global => Invariant($"Global{p.Parameters.GlobalTokens}Window{p.Parameters.Window}"),
        SparsePattern.BigBird => BigBirdName(p.Parameters),
        SparsePattern.QueryAware => Invariant($"QueryAware{p.Parameters.BlockSize}Budget{p.Parameters.TokenBudget}Sinks{p.Parameters.GlobalTokens}Window{p.Parameters.Window}"),
        _ => "Layout" + Capitalized(System.IO.Path.GetFileNameWithoutExtension(Path(p.LayoutFile))),
    };

    private static string Summary(PatternSpec p) => p.Parameters.Kind switch
    {
        SparsePattern.Dense => "Dense: every earlier key",
        SparsePattern.SlidingWindow => Invariant($"SlidingWindow: the last {p.Parameters.Window} keys, i - j < {p.Parameters.Window}"),
        SparsePattern.Strided when p.Parameters.SplitHeads => Invariant($"Strided (Sparse Transformer), stride {p.Parameters.Stride}, split: the first half of the heads attend i - j < {PublishedForms.LocalWindow(p.Parameters)}, the second half (i - j) mod {p.Parameters.Stride} = 0"),
        SparsePattern.Strided => Invariant($"Strided (Sparse Transformer), stride {p.Parameters.Stride}: i - j < {p.Parameters.Stride} or (i - j) mod {p.Parameters.Stride} = 0"),
        SparsePattern.Fixed when p.Parameters.SummaryPatterns > 0 => Invariant($"Fixed (Sparse Transformer), block {p.Parameters.BlockLength}, summary {p.Parameters.Summary}: the query's block, plus the {p.Parameters.Summary} keys of every earlier block in slice (head mod {p.Parameters.SummaryPatterns}) from its end"),
        SparsePattern.Fixed => Invariant($"Fixed (Sparse Transformer), block {p.Parameters.BlockLength}, summary {p.Parameters.Summary}: the query's block, plus {(p.Parameters.PerHeadSummary ? "each head's own" : "the last")} {p.Parameters.Summary} keys of every earlier block"),
        SparsePattern.Global => Invariant($"Global: the first {p.Parameters.GlobalTokens} keys (sinks) plus the last {p.Parameters.Window}"),
        SparsePattern.BigBird => BigBirdSummary(p.Parameters),
        SparsePattern.QueryAware => Invariant($"QueryAware (Quest), block {p.Parameters.BlockSize}: decode attends the first {p.Parameters.GlobalTokens} keys, the last {p.Parameters.Window}, and the blocks of highest key bound, at most {p.Parameters.TokenBudget} keys; prefill is dense causal"),
        _ => Invariant($"Layout from {Path(p.LayoutFile)}, block {p.Parameters.BlockSize}, {(p.Tables.Count == 1 ? "one matrix for all heads" : "one matrix per head")}"),
    };

    private static string Construction(PatternSpec p)
    {
        const string type = "AttentionPattern";
        return p.Parameters.Kind switch
        {
            SparsePattern.Dense => type + ".Dense",
            SparsePattern.SlidingWindow => Invariant($"{type}.SlidingWindow({p.Parameters.Window})"),
            SparsePattern.Strided => Invariant($"{type}.Strided({p.Parameters.Stride}, splitHeads: {(p.Parameters.SplitHeads ? "true" : "false")}{(p.Parameters.LocalWindow > 0 ? Invariant($", localWindow: {p.Parameters.LocalWindow}") : "")})"),
            SparsePattern.Fixed => Invariant($"{type}.Fixed({p.Parameters.BlockLength}, {p.Parameters.Summary}, perHeadSummary: {(p.Parameters.PerHeadSummary ? "true" : "false")}{(p.Parameters.SummaryPatterns > 0 ? Invariant($", summaryPatterns: {p.Parameters.SummaryPatterns}") : "")})"),
            SparsePattern.Global => Invariant($"{type}.Global({p.Parameters.GlobalTokens}, {p.Parameters.Window})"),
            SparsePattern.QueryAware => Invariant($"{type}.QueryAware({p.Parameters.BlockSize}, {p.Parameters.TokenBudget}, {p.Parameters.GlobalTokens}, {p.Parameters.Window})"),
            SparsePattern.BigBird => Invariant($"{type}.BigBird({p.Parameters.BlockSize}, {p.Parameters.WindowBlocks}, {p.Parameters.GlobalBlocks}, {p.Parameters.RandomBlocks}, {p.Parameters.Seed}") + BigBirdOptions(p.Parameters) + ")",
            // A layout is rebuilt from the block table the kernels use (see the emitter).
            _ => string.Empty,
        };
    }

    /// <summary>The published-form arguments of a BigBird construction, only those that are set (so older models read as before).</summary>
    private static string BigBirdOptions(PatternParameters p) =>
        (p.SlidingWindowBlocks > 0 ? Invariant($", slidingWindowBlocks: {p.SlidingWindowBlocks}") : "")
        + (p.GlobalBlockIndices is { } indices ? ", globalBlockIndices: \"" + indices + "\"" : "")
        + (p.DifferentLayoutPerHead ? ", differentLayoutPerHead: true" : "")
        + (p.RandomAmongAllBlocks ? ", randomAmongAllBlocks: true" : "");

    private static string BigBirdName(PatternParameters p)
    {
        string window = p.SlidingWindowBlocks > 0 ? Invariant($"Sw{p.SlidingWindowBlocks}") : Invariant($"W{p.WindowBlocks}");
        string name = Invariant($"BigBird{p.BlockSize}{window}G{p.GlobalBlocks}R{p.RandomBlocks}S{p.Seed}").Replace("-", "m");
        if (p.GlobalBlockIndices is { } indices)
        {
            // Short lists spelled out; a long one by its bounds, count and a hash of the canonical list (stable across builds).
            string[] blocks = indices.Split(',');
            name += blocks.Length <= 6 ? "At" + string.Join("_", blocks)
                : Invariant($"At{blocks[0]}To{blocks[blocks.Length - 1]}N{blocks.Length}H{Fnv1a(indices):x8}");
        }

        return name + (p.DifferentLayoutPerHead ? "PerHead" : "") + (p.RandomAmongAllBlocks ? "AnyRandom" : "");
    }

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash;
    }

    private static string BigBirdSummary(PatternParameters p)
    {
        string window = p.SlidingWindowBlocks > 0
            ? Invariant($"a {p.SlidingWindowBlocks}-block sliding window (DeepSpeed's count: {PublishedForms.CausalWindowBlocks(p)} causal)")
            : Invariant($"{p.WindowBlocks} window");
        string globals = p.GlobalBlockIndices is not { } indices ? Invariant($"{p.GlobalBlocks} global")
            : p.GlobalBlocks > 0 ? Invariant($"the first {p.GlobalBlocks} and blocks {indices} global")
            : "global blocks " + indices;
        string random = Invariant($"{p.RandomBlocks} random (seed {p.Seed}{(p.DifferentLayoutPerHead ? ", per head" : "")}{(p.RandomAmongAllBlocks ? ", among all earlier blocks" : "")})");
        return Invariant($"BigBird, block {p.BlockSize}: ") + window + ", " + globals + " and " + random + " key blocks per query block";
    }

    private static string Capitalized(string name)
    {
        string letters = new string(name.Where(char.IsLetterOrDigit).ToArray());
        return letters.Length == 0 ? letters : char.ToUpperInvariant(letters[0]) + letters.Substring(1);
    }

    private static string Path(string? file) => (file ?? string.Empty).Replace('\\', '/');

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
