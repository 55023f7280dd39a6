using System.Linq;
using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>
    /// Decode: one new token against the cache. Each pattern gets a method that lists the query's
    /// key segments with its constants; the shared routines then visit exactly those keys. Per KV
    /// head, each key is loaded once and scored against every query head of the group that
    /// attends it, the block is folded into each head's online softmax, and each value is loaded
    /// once and accumulated into every such head. With MQA/GQA that is the whole point: the bytes
    /// read per token shrink by the group size.
    /// </summary>
    private static void EmitDecode(SourceWriter w, KernelPlan plan)
    {
        EmitLayerDispatch(w, plan, "Decode", "KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output", "cache, layer, position, query, output");
        foreach (var pattern in plan.Patterns)
        {
            w.Line();
            w.Line("/// <summary>Decode, " + Xml(pattern.Summary) + ".</summary>");
            w.Line("private void Decode" + pattern.Name + "<TOps>(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)");
            w.Line("    where TOps : struct, IHeadOps");
            using (w.Block())
            {
                w.Line("Span<KeySegment> segments = _segments;");
                for (int c = 0; c < pattern.Classes.Count; c++)
                {
                    if (pattern.HasSeveralClasses)
                    {
                        w.Line();
                        w.Line("// Head class " + Invariant($"{c}") + ".");
                    }

                    var components = pattern.Classes[c].Components;
                    for (int i = 0; i < components.Count; i++)
                    {
                        w.Line("// " + components[i].Comment);
                        w.Line((i == 0 ? (c == 0 ? "int count = " : "count = ") : "count += ") + DecodeCall(PatternsClassName(plan), components[i], pattern, c, i == 0 ? "segments" : "segments.Slice(count)") + ";");
                    }

                    using (w.Block("for (int kvHead = 0; kvHead < KvHeads; kvHead++)"))
                    {
                        w.Line("AttendSegments<TOps>(cache, layer, kvHead, " + HeadsExpression(pattern, c) + ", segments.Slice(0, count), " + Bool(pattern.IsRolling) + ", query, output);");
                    }
                }
            }
        }

        w.Line();
        w.Line("/// <summary>Attends one KV head's keys in <paramref name=\"segments\"/> for the query <paramref name=\"heads\"/>, and writes their outputs.</summary>");
        w.Line("private void AttendSegments<TOps>(KvCache cache, int layer, int kvHead, int[] heads, ReadOnlySpan<KeySegment> segments, bool rolling,");
        w.Line("    ReadOnlySpan<float> query, Span<float> output)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("if (heads.Length == 0)");
            w.Line("{");
            w.Line("    return;");
            w.Line("}");
            w.Line();
            w.Line("ref float keys = ref cache.KeysRef(layer, kvHead);");
            w.Line("ref float values = ref cache.ValuesRef(layer, kvHead);");
            w.Line("Span<(int Slot, int Position, int Count)> runs = stackalloc (int, int, int)[3];");
            w.Line("Reset(heads.Length);");
            using (w.Block("foreach (var segment in segments)"))
            {
                using (w.Block("if (rolling)"))
                {
                    w.Line("// A sliding window's keys live in a ring: a run of positions is at most three runs of slots.");
                    w.Line("int pieces = cache.Layout(layer).ToSlotRuns(segment.Start, segment.Count, runs);");
                    using (w.Block("for (int piece = 0; piece < pieces; piece++)"))
                    {
                        w.Line("AccumulateKeys<TOps>(ref keys, ref values, query, heads, runs[piece].Slot, runs[piece].Count, 1);");
                    }
                }

                using (w.Block("else"))
                {
                    w.Line("AccumulateKeys<TOps>(ref keys, ref values, query, heads, segment.Start, segment.Count, segment.Step);");
                }
            }

            w.Line();
            w.Line("Finish<TOps>(heads, 1, ref MemoryMarshal.GetReference(output), 0);");
        }

        w.Line();
        w.Line("/// <summary>Folds <paramref name=\"count\"/> keys at slots start, start + step, ... into the rows of <paramref name=\"heads\"/>.</summary>");
        w.Line("private void AccumulateKeys<TOps>(ref float keys, ref float values, ReadOnlySpan<float> query, int[] heads, int start, int count, int step)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("ref float scores = ref MemoryMarshal.GetArrayDataReference(_scores);");
            w.Line("ref float acc = ref MemoryMarshal.GetArrayDataReference(_acc);");
            w.Line("ref float q = ref MemoryMarshal.GetReference(query);");
            using (w.Block("for (int block = 0; block < count; block += KeyBlock)"))
            {
                w.Line("int n = Math.Min(KeyBlock, count - block);");
                w.Line();
                w.Line("// Scores: each key is loaded once and serves every query head that attends it.");
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    w.Line("ref float k = ref Unsafe.Add(ref keys, (start + (block + t) * step) * HeadDim);");
                    using (w.Block("for (int h = 0; h < heads.Length; h++)"))
                    {
                        w.Line("Unsafe.Add(ref scores, h * KeyBlock + t) = TOps.Dot(ref Unsafe.Add(ref q, heads[h] * HeadDim), ref k) * Scale;");
                    }
                }

                w.Line();
                w.Line("FoldBlock<TOps>(heads.Length, n);");
                w.Line();
                w.Line("// Values: each value is loaded once and accumulated into every such head.");
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    w.Line("ref float v = ref Unsafe.Add(ref values, (start + (block + t) * step) * HeadDim);");
                    using (w.Block("for (int h = 0; h < heads.Length; h++)"))
                    {
                        w.Line("TOps.MultiplyAdd(ref Unsafe.Add(ref acc, h * HeadDim), Unsafe.Add(ref scores, h * KeyBlock + t), ref v);");
                    }
                }
            }
        }
    }

    /// <summary>Writes the method that sends each layer to its pattern's kernel.</summary>
    private static void EmitLayerDispatch(SourceWriter w, KernelPlan plan, string kernel, string parameters, string arguments)
    {
        w.Line("/// <summary>" + kernel + " on one SIMD path; <typeparamref name=\"TOps\"/> supplies the head_dim-wide operations.</summary>");
        w.Line("private void " + kernel + "<TOps>(" + parameters + ")");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            if (plan.Patterns.Count == 1)
            {
                w.Line("// Every layer: " + plan.Patterns[0].Summary + ".");
                w.Line(kernel + plan.Patterns[0].Name + "<TOps>(" + arguments + ");");
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

                    w.Line("    " + kernel + pattern.Name + "<TOps>(" + arguments + ");");
                    w.Line("    break;");
                }
            }
        }
    }

    /// <summary>The call that lists one component's keys for a decode query.</summary>
    private static string DecodeCall(string dataClass, ComponentPlan c, PatternPlan pattern, int headClass, string target) => (Patterns.ComponentKind)c.Kind switch
    {
        Patterns.ComponentKind.Band => "KeySegments.Band(position, " + Invariant($"{c.Lo}, {HiLiteral(c.Hi)}") + ", " + target + ")",
        Patterns.ComponentKind.Stride => "KeySegments.Stride(position, " + Invariant($"{c.Period}") + ", " + target + ")",
        Patterns.ComponentKind.SameBlock => "KeySegments.SameBlock(position, " + Invariant($"{c.Period}") + ", " + target + ")",
        Patterns.ComponentKind.Columns => "KeySegments.Columns(position, " + Invariant($"{c.Period}, {c.Offset}, {c.Width}") + ", " + target + ")",
        Patterns.ComponentKind.Prefix => "KeySegments.Prefix(position, " + Invariant($"{c.Width}, {c.Lo}") + ", " + target + ")",
        _ => "KeySegments.Blocks(position, " + Invariant($"{c.Period}") + ", " + BlockRow(dataClass, pattern, headClass, "position / " + Invariant($"{c.Period}")) + ", " + target + ")",
    };

    /// <summary>The query heads of head class <paramref name="headClass"/> for the loop's <c>kvHead</c>.</summary>
    private static string HeadsExpression(PatternPlan pattern, int headClass) =>
        pattern.HasSeveralClasses
            ? pattern.Name + "Heads[kvHead * " + Invariant($"{pattern.Classes.Count} + {headClass}") + "]"
            : "GroupHeads[kvHead]";

    /// <summary>The key blocks listed for a query block, sliced from the pattern's baked table.</summary>
    private static string BlockRow(string dataClass, PatternPlan pattern, int headClass, string queryBlock)
    {
        string row = headClass == 0 ? queryBlock : Invariant($"{headClass * pattern.BlockRows} + ") + queryBlock;
        return "BlockRow(" + dataClass + "." + pattern.Name + "RowStarts, " + dataClass + "." + pattern.Name + "Keys, " + row + ")";
    }

    private static string HiLiteral(int hi) => hi == int.MaxValue ? "int.MaxValue" : Invariant($"{hi}");

    private static string Bool(bool value) => value ? "rolling: true" : "rolling: false";

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
