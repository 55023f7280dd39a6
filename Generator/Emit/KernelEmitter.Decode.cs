using System.Globalization;
using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>
    /// Decode: one new token against the cache. Per KV head, keys are visited in blocks; each key
    /// is loaded once and scored against every query head of the group, the block is folded into
    /// each head's online softmax, and each value is loaded once and accumulated into every head.
    /// With MQA/GQA that is the whole point: the bytes read per token shrink by the group size.
    /// </summary>
    private static void EmitDecode(SourceWriter w, KernelPlan plan)
    {
        w.Line("/// <summary>Decode on one SIMD path; <typeparamref name=\"TOps\"/> supplies the head_dim-wide operations.</summary>");
        w.Line("private void Decode<TOps>(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("int length = position + 1;");
            w.Line("ref float scores = ref MemoryMarshal.GetArrayDataReference(_scores);");
            w.Line("ref float queries = ref MemoryMarshal.GetReference(query);");
            w.Line("ref float outputs = ref MemoryMarshal.GetReference(output);");
            using (w.Block("for (int kvHead = 0; kvHead < KvHeads; kvHead++)"))
            {
                w.Line("ref float keys = ref cache.KeysRef(layer, kvHead);");
                w.Line("ref float values = ref cache.ValuesRef(layer, kvHead);");
                w.Line("// The group's query heads, and their outputs, are contiguous: [Group][HeadDim].");
                w.Line("ref float q = ref Unsafe.Add(ref queries, kvHead * Group * HeadDim);");
                w.Line("ref float acc = ref Unsafe.Add(ref outputs, kvHead * Group * HeadDim);");
                w.Line("output.Slice(kvHead * Group * HeadDim, Group * HeadDim).Clear();");
                w.Line("_max.AsSpan(0, Group).Fill(float.NegativeInfinity);");
                w.Line("_sum.AsSpan(0, Group).Clear();");
                w.Line();
                using (w.Block("for (int block = 0; block < length; block += KeyBlock)"))
                {
                    w.Line("int n = Math.Min(KeyBlock, length - block);");
                    w.Line();
                    w.Line("// Scores: each key is loaded once and serves all " + Count(plan.Group, "query head") + " of its group.");
                    using (w.Block("for (int t = 0; t < n; t++)"))
                    {
                        w.Line("ref float k = ref Unsafe.Add(ref keys, (block + t) * HeadDim);");
                        EmitPerHead(w, plan, h =>
                            "Unsafe.Add(ref scores, " + h.Times("KeyBlock", plan.KeyBlock) + "t) = TOps.Dot(ref " + h.Offset("q", plan.HeadDim) + ", ref k) * Scale;");
                    }

                    w.Line();
                    w.Line("FoldBlock<TOps>(ref acc, Group, n);");
                    w.Line();
                    w.Line("// Values: each value is loaded once and accumulated into all " + Count(plan.Group, "head") + ".");
                    using (w.Block("for (int t = 0; t < n; t++)"))
                    {
                        w.Line("ref float v = ref Unsafe.Add(ref values, (block + t) * HeadDim);");
                        EmitPerHead(w, plan, h =>
                            "TOps.MultiplyAdd(ref " + h.Offset("acc", plan.HeadDim) + ", Unsafe.Add(ref scores, " + h.Times("KeyBlock", plan.KeyBlock) + "t), ref v);");
                    }
                }

                w.Line();
                using (w.Block("for (int h = 0; h < Group; h++)"))
                {
                    w.Line("TOps.Scale(ref Unsafe.Add(ref acc, h * HeadDim), 1f / _sum[h]);");
                }
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="line"/> for each query head of a group: head by head when the group
    /// is small (offsets become constants), as a loop otherwise.
    /// </summary>
    private static void EmitPerHead(SourceWriter w, KernelPlan plan, System.Func<HeadIndex, string> line)
    {
        if (plan.UnrollGroup)
        {
            for (int h = 0; h < plan.Group; h++)
            {
                w.Line(line(new HeadIndex(h, null)));
            }
        }
        else
        {
            using (w.Block("for (int h = 0; h < Group; h++)"))
            {
                w.Line(line(new HeadIndex(0, "h")));
            }
        }
    }

    private static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    /// <summary>A query head within its group: a constant when unrolled, the loop variable otherwise.</summary>
    private readonly struct HeadIndex
    {
        private readonly int _value;
        private readonly string? _variable;

        public HeadIndex(int value, string? variable)
        {
            _value = value;
            _variable = variable;
        }

        /// <summary>"ref x" shifted to this head: <c>x</c>, <c>Unsafe.Add(ref x, 8)</c> or <c>Unsafe.Add(ref x, h * HeadDim)</c>.</summary>
        public string Offset(string name, int headDim) =>
            _variable is not null ? "Unsafe.Add(ref " + name + ", " + _variable + " * HeadDim)"
            : _value == 0 ? name
            : "Unsafe.Add(ref " + name + ", " + (_value * headDim).ToString(CultureInfo.InvariantCulture) + ")";

        /// <summary>head × stride: <c>64</c>, or <c>h * KeyBlock</c> in a loop.</summary>
        public string Scaled(string strideName, int stride) =>
            _variable is not null ? _variable + " * " + strideName : (_value * stride).ToString(CultureInfo.InvariantCulture);

        /// <summary>A prefix "head * stride + " for an index expression, empty for head 0.</summary>
        public string Times(string strideName, int stride) =>
            _variable is not null ? _variable + " * " + strideName + " + "
            : _value == 0 ? ""
            : (_value * stride).ToString(CultureInfo.InvariantCulture) + " + ";
    }
}
