using System.Linq;
using KernelGen.Generator.Planning;
using KernelGen.Patterns;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>
    /// Decode and prefill: each layer goes to the engine with its pattern's struct. The JIT compiles
    /// the engine once per (microkernels, pattern) pair, so every constant below folds into it.
    /// </summary>
    private static void EmitLayerDispatch(SourceWriter w, KernelPlan plan, string kernel, string parameters, string arguments)
    {
        w.Line("/// <summary>" + kernel + " on one SIMD path: each layer runs the engine with its pattern.</summary>");
        EmitFullyOptimized(w);
        w.Line("private void " + kernel + "OnPath<TMicro>(in TMicro micro, " + parameters + ")");
        w.Line("    where TMicro : struct, IAttentionMicrokernels");
        using (w.Block())
        {
            if (plan.Patterns.Count == 1)
            {
                w.Line("// Every layer: " + plan.Patterns[0].Summary + ".");
                w.Line(EngineCall(kernel, plan.Patterns[0], arguments));
                return;
            }

            using (w.Block("switch (layer)"))
            {
                for (int p = 0; p < plan.Patterns.Count; p++)
                {
                    var pattern = plan.Patterns[p];
                    if (p == plan.Patterns.Count - 1)
                    {
                        w.Line("default: // layers " + string.Join(", ", pattern.Layers.Select(l => Invariant($"{l}"))));
                    }
                    else
                    {
                        foreach (int layer in pattern.Layers)
                        {
                            w.Line("case " + Invariant($"{layer}") + ":");
                        }
                    }

                    w.Line("    " + EngineCall(kernel, pattern, arguments));
                    w.Line("    break;");
                }
            }
        }
    }

    /// <summary>
    /// The engine call of one layer: a QueryAware layer's decode selects its keys by the query
    /// (its selection's four numbers constants here), its prefill is the pattern's dense causal one.
    /// </summary>
    private static string EngineCall(string kernel, PatternPlan pattern, string arguments) =>
        kernel == "Decode" && pattern.Selection is { } s
            ? "_engine.DecodeQueryAware(micro, new " + KeysName(pattern) + "(), new QueryAwareSelection(" + Invariant($"{s.BlockSize}, {s.TokenBudget}, {s.SinkTokens}, {s.Window}") + "), " + arguments + ");"
            : "_engine." + kernel + "(micro, new " + KeysName(pattern) + "(), " + arguments + ");";

    /// <summary>One struct per pattern: its head classes, and the keys a query or a tile visits, with every parameter a constant.</summary>
    private static void EmitPatternStructs(SourceWriter w, KernelPlan plan)
    {
        foreach (var pattern in plan.Patterns)
        {
            w.Line();
            w.Line("/// <summary>" + Xml(pattern.Summary) + ".</summary>");
            using (w.Block("private readonly struct " + KeysName(pattern) + " : IKeyPattern"))
            {
                w.Line("public int HeadClasses => " + Invariant($"{pattern.Classes.Count}") + ";");
                w.Line();
                w.Line("public int BlockLength => " + Invariant($"{pattern.BlockLength}") + ";");
                w.Line();
                w.Line();
                w.Line(pattern.HasSeveralClasses
                    ? "public int[] Heads(int kvHead, int headClass) => " + pattern.Name + "Heads[kvHead * " + Invariant($"{pattern.Classes.Count}") + " + headClass];"
                    : "public int[] Heads(int kvHead, int headClass) => GroupHeads[kvHead];");
                w.Line();
                w.Line("/// <summary>Decode: the keys query i attends.</summary>");
                using (w.Block("public int Segments(int headClass, int query, Span<KeySegment> segments)"))
                {
                    EmitPerClass(w, pattern, c => EmitComponentCalls(w, plan, pattern, c, decode: true));
                }

                w.Line();
                w.Line("/// <summary>Prefill: the key ranges of queries first..last (inside one block); strided keys are the engine's.</summary>");
                using (w.Block("public int TileRanges(int headClass, int first, int last, Span<KeyRange> ranges)"))
                {
                    EmitPerClass(w, pattern, c => EmitComponentCalls(w, plan, pattern, c, decode: false));
                }

                w.Line();
                w.Line(pattern.HasSeveralClasses
                    ? "public int StridePeriod(int headClass) => headClass switch { " +
                        string.Join(", ", pattern.Classes.Select((c, i) => (i == pattern.Classes.Count - 1 ? "_" : Invariant($"{i}")) + " => " + Invariant($"{c.StridePeriod}"))) + " };"
                    : "public int StridePeriod(int headClass) => " + Invariant($"{pattern.Classes[0].StridePeriod}") + ";");
            }
        }
    }

    private static void EmitPerClass(SourceWriter w, PatternPlan pattern, System.Action<int> body)
    {
        if (!pattern.HasSeveralClasses)
        {
            body(0);
            return;
        }

        using (w.Block("switch (headClass)"))
        {
            for (int c = 0; c < pattern.Classes.Count; c++)
            {
                w.Line(c == pattern.Classes.Count - 1 ? "default:" : "case " + Invariant($"{c}") + ":");
                using (w.Block())
                {
                    body(c);
                }
            }
        }
    }

    private static void EmitComponentCalls(SourceWriter w, KernelPlan plan, PatternPlan pattern, int headClass, bool decode)
    {
        string target = decode ? "segments" : "ranges";
        bool first = true;
        foreach (var component in pattern.Classes[headClass].Components)
        {
            if (!decode && component.Kind == ComponentKind.Stride)
            {
                w.Line("// " + component.Comment + ": the engine visits these per position");
                continue;
            }

            w.Line("// " + component.Comment);
            string call = decode
                ? DecodeCall(PatternsClassName(plan), component, pattern, headClass, first ? target : target + ".Slice(count)")
                : TileCall(PatternsClassName(plan), component, pattern, headClass, first ? target : target + ".Slice(count)");
            w.Line((first ? "int count = " : "count += ") + call + ";");
            first = false;
        }

        w.Line(first ? "return 0;" : "return count;");
    }

    /// <summary>The call that lists one component's keys for a decode query.</summary>
    private static string DecodeCall(string dataClass, ComponentPlan c, PatternPlan pattern, int headClass, string target) => c.Kind switch
    {
        ComponentKind.Band => "KeySegments.Band(query, " + Invariant($"{c.Lo}, {HiLiteral(c.Hi)}") + ", " + target + ")",
        ComponentKind.Stride => "KeySegments.Stride(query, " + Invariant($"{c.Period}") + ", " + target + ")",
        ComponentKind.SameBlock => "KeySegments.SameBlock(query, " + Invariant($"{c.Period}") + ", " + target + ")",
        ComponentKind.Columns => "KeySegments.Columns(query, " + Invariant($"{c.Period}, {c.Offset}, {c.Width}") + ", " + target + ")",
        ComponentKind.Prefix => "KeySegments.Prefix(query, " + Invariant($"{c.Width}, {c.Lo}") + ", " + target + ")",
        _ => "KeySegments.Blocks(query, " + Invariant($"{c.Period}") + ", " + BlockRow(dataClass, pattern, headClass, "query / " + Invariant($"{c.Period}")) + ", " + target + ")",
    };

    /// <summary>The call that lists one component's key ranges for a prefill tile.</summary>
    private static string TileCall(string dataClass, ComponentPlan c, PatternPlan pattern, int headClass, string target) => c.Kind switch
    {
        ComponentKind.Band => "KeySegments.BandTile(first, last, " + Invariant($"{c.Lo}, {HiLiteral(c.Hi)}") + ", " + target + ")",
        ComponentKind.SameBlock => "KeySegments.SameBlockTile(first, last, " + Invariant($"{c.Period}") + ", " + target + ")",
        ComponentKind.Columns => "KeySegments.ColumnsTile(first, " + Invariant($"{c.Period}, {c.Offset}, {c.Width}") + ", " + target + ")",
        ComponentKind.Prefix => "KeySegments.PrefixTile(last, " + Invariant($"{c.Width}, {c.Lo}") + ", " + target + ")",
        _ => "KeySegments.BlocksTile(last, " + Invariant($"{c.Period}") + ", " + BlockRow(dataClass, pattern, headClass, "first / " + Invariant($"{c.Period}")) + ", " + target + ")",
    };

    /// <summary>The key blocks listed for a query block, sliced from the pattern's baked table.</summary>
    private static string BlockRow(string dataClass, PatternPlan pattern, int headClass, string queryBlock)
    {
        string row = headClass == 0 ? queryBlock : Invariant($"{headClass * pattern.BlockRows} + ") + queryBlock;
        return "BlockRow(" + dataClass + "." + pattern.Name + "RowStarts, " + dataClass + "." + pattern.Name + "Keys, " + row + ")";
    }

    private static string KeysName(PatternPlan pattern) => pattern.Name + "Keys";

    private static string HiLiteral(int hi) => hi == int.MaxValue ? "int.MaxValue" : Invariant($"{hi}");

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
