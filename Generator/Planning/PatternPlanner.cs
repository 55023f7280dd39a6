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

        var (starts, keys, rows) = BlockTables(pattern, parameters, spec);
        var layers = Enumerable.Range(0, spec.Layers).Where(l => spec.LayerPatterns[l] == index).ToEquatableArray();
        return new PatternPlan(
            Name(pattern), Summary(pattern), Construction(pattern), layers, classes.ToEquatableArray(), headsOf.ToEquatableArray(),
            PatternLayout.BlockLength(parameters), starts, keys, rows);
    }

    private static (EquatableArray<int> Starts, EquatableArray<int> Keys, int Rows) BlockTables(PatternSpec pattern, PatternParameters parameters, ModelSpec spec)
    {
        int[][][] tables;
        if (parameters.Kind == PatternKind.BigBird)
        {
            int blocks = (spec.MaxSeqLen + parameters.BlockSize - 1) / parameters.BlockSize;
            tables = new[] { BigBirdBlocks.Build(blocks, parameters.WindowBlocks, parameters.GlobalBlocks, parameters.RandomBlocks, parameters.Seed) };
        }
        else if (parameters.Kind == PatternKind.Layout)
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
        PatternKind.Dense => "Dense",
        PatternKind.SlidingWindow => Invariant($"Window{p.Parameters.Window}"),
        PatternKind.Strided => Invariant($"Strided{p.Parameters.Stride}{(p.Parameters.SplitHeads ? "Split" : "")}"),
        PatternKind.Fixed => Invariant($"Fixed{p.Parameters.Stride}x{p.Parameters.Summary}{(p.Parameters.PerHeadSummary ? "PerHead" : "")}"),
        PatternKind.Global => Invariant($"Global{p.Parameters.GlobalTokens}Window{p.Parameters.Window}"),
        PatternKind.BigBird => Invariant($"BigBird{p.Parameters.BlockSize}W{p.Parameters.WindowBlocks}G{p.Parameters.GlobalBlocks}R{p.Parameters.RandomBlocks}S{p.Parameters.Seed}").Replace("-", "m"),
        _ => "Layout" + Capitalized(System.IO.Path.GetFileNameWithoutExtension(Path(p.LayoutFile))),
    };

    private static string Summary(PatternSpec p) => p.Parameters.Kind switch
    {
        PatternKind.Dense => "Dense: every earlier key",
        PatternKind.SlidingWindow => Invariant($"SlidingWindow: the last {p.Parameters.Window} keys, i - j < {p.Parameters.Window}"),
        PatternKind.Strided when p.Parameters.SplitHeads => Invariant($"Strided (Sparse Transformer), stride {p.Parameters.Stride}, split: the first half of the heads attend i - j < {p.Parameters.Stride}, the second half (i - j) mod {p.Parameters.Stride} = 0"),
        PatternKind.Strided => Invariant($"Strided (Sparse Transformer), stride {p.Parameters.Stride}: i - j < {p.Parameters.Stride} or (i - j) mod {p.Parameters.Stride} = 0"),
        PatternKind.Fixed => Invariant($"Fixed (Sparse Transformer), block {p.Parameters.Stride}, summary {p.Parameters.Summary}: the query's block, plus {(p.Parameters.PerHeadSummary ? "each head's own" : "the last")} {p.Parameters.Summary} keys of every earlier block"),
        PatternKind.Global => Invariant($"Global: the first {p.Parameters.GlobalTokens} keys (sinks) plus the last {p.Parameters.Window}"),
        PatternKind.BigBird => Invariant($"BigBird, block {p.Parameters.BlockSize}: {p.Parameters.WindowBlocks} window, {p.Parameters.GlobalBlocks} global and {p.Parameters.RandomBlocks} random (seed {p.Parameters.Seed}) key blocks per query block"),
        _ => Invariant($"Layout from {Path(p.LayoutFile)}, block {p.Parameters.BlockSize}, {(p.Tables.Count == 1 ? "one matrix for all heads" : "one matrix per head")}"),
    };

    private static string Construction(PatternSpec p)
    {
        const string type = "AttentionPattern";
        return p.Parameters.Kind switch
        {
            PatternKind.Dense => type + ".Dense",
            PatternKind.SlidingWindow => Invariant($"{type}.SlidingWindow({p.Parameters.Window})"),
            PatternKind.Strided => Invariant($"{type}.Strided({p.Parameters.Stride}, splitHeads: {(p.Parameters.SplitHeads ? "true" : "false")})"),
            PatternKind.Fixed => Invariant($"{type}.Fixed({p.Parameters.Stride}, {p.Parameters.Summary}, perHeadSummary: {(p.Parameters.PerHeadSummary ? "true" : "false")})"),
            PatternKind.Global => Invariant($"{type}.Global({p.Parameters.GlobalTokens}, {p.Parameters.Window})"),
            PatternKind.BigBird => Invariant($"{type}.BigBird({p.Parameters.BlockSize}, {p.Parameters.WindowBlocks}, {p.Parameters.GlobalBlocks}, {p.Parameters.RandomBlocks}, {p.Parameters.Seed})"),
            // A layout is rebuilt from the block table the kernels use (see the emitter).
            _ => string.Empty,
        };
    }

    private static string Capitalized(string name)
    {
        string letters = new string(name.Where(char.IsLetterOrDigit).ToArray());
        return letters.Length == 0 ? letters : char.ToUpperInvariant(letters[0]) + letters.Substring(1);
    }

    private static string Path(string? file) => (file ?? string.Empty).Replace('\\', '/');

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
