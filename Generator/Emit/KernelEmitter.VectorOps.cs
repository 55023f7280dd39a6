using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

/// <summary>One head_dim-wide dot product and rescale per SIMD path, unrolled: the microkernels' leftovers and row rescaling.</summary>
internal static partial class KernelEmitter
{
    /// <summary>Scalar paths longer than this use a constant-bound loop instead of one line per float.</summary>
    private const int MaxUnrolledScalars = 32;

    /// <summary>Independent accumulators in a dot product, so consecutive FMAs do not wait on each other.</summary>
    private const int DotAccumulators = 4;

    private static void EmitDot(SourceWriter w, SimdPath path)
    {
        w.Line("/// <summary>One dot product of head_dim numbers (a query row, a key in the cache's format), for keys left over after the 4-key blocks.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.Line("private static float Dot<TFormat>(ref float a, ref byte b)");
        using (w.Block("    where TFormat : struct, IKvCacheFormat"))
        {
            var sums = new List<string>();
            foreach (var group in path.Chunks.GroupBy(c => c.Floats))
            {
                var chunks = group.ToList();
                string? type = chunks[0].VectorType;
                if (type is null)
                {
                    w.Line("float scalars = " + Element("a", chunks[0].Offset) + " * " + CacheElement("b", chunks[0].Offset) + ";");
                    foreach (var chunk in chunks.Skip(1))
                    {
                        w.Line("scalars += " + Element("a", chunk.Offset) + " * " + CacheElement("b", chunk.Offset) + ";");
                    }

                    sums.Add("scalars");
                    continue;
                }

                // Up to four accumulators: the first products start them, the rest fold in.
                int accumulators = System.Math.Min(DotAccumulators, chunks.Count);
                string prefix = "dot" + (chunks[0].Floats * 32).ToString(CultureInfo.InvariantCulture) + "_";
                for (int i = 0; i < chunks.Count; i++)
                {
                    string product = Load(type, "a", chunks[i].Offset) + " * " + CacheLoad(type, "b", chunks[i].Offset);
                    string acc = prefix + (i % accumulators).ToString(CultureInfo.InvariantCulture);
                    if (i < accumulators)
                    {
                        w.Line("var " + acc + " = " + product + ";");
                    }
                    else
                    {
                        w.Line(acc + " = " + MultiplyAddExpression(Load(type, "a", chunks[i].Offset), CacheLoad(type, "b", chunks[i].Offset), acc) + ";");
                    }
                }

                sums.Add(type + ".Sum(" + PairwiseSum(Enumerable.Range(0, accumulators).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList()) + ")");
            }

            w.Line("return " + string.Join(" + ", sums) + ";");
        }
    }

    private static void EmitScale(SourceWriter w, SimdPath path)
    {
        w.Line("/// <summary>x[i] *= s over head_dim: rescales an output row when its running maximum grows.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block("public void Scale(ref float x, float s)"))
        {
            foreach (var type in path.Chunks.Select(c => c.VectorType).Where(t => t is not null).Distinct())
            {
                w.Line("var s" + type!.Substring("Vector".Length) + " = " + type + ".Create(s);");
            }

            foreach (var chunk in path.Chunks)
            {
                string? type = chunk.VectorType;
                w.Line(type is null
                    ? Element("x", chunk.Offset) + " *= s;"
                    : Store(Load(type, "x", chunk.Offset) + " * s" + type.Substring("Vector".Length), "x", chunk.Offset));
            }
        }
    }

    /// <summary>
    /// a·b + c through the runtime's <c>SimdPolicy.MultiplyAdd</c>: fused where the ISA fuses, a
    /// multiply and an add elsewhere (the runtime's own fused form would fall back to software lane by
    /// lane). One policy for the generated kernels, the generic ones and the decoder.
    /// </summary>
    private static string MultiplyAddExpression(string a, string b, string c) =>
        "SimdPolicy.MultiplyAdd(" + a + ", " + b + ", " + c + ")";

    private static string PairwiseSum(List<string> terms)
    {
        while (terms.Count > 1)
        {
            var next = new List<string>();
            for (int i = 0; i < terms.Count; i += 2)
            {
                next.Add(i + 1 < terms.Count ? "(" + terms[i] + " + " + terms[i + 1] + ")" : terms[i]);
            }

            terms = next;
        }

        string sum = terms[0];
        return sum.StartsWith("(", System.StringComparison.Ordinal) && sum.EndsWith(")", System.StringComparison.Ordinal) ? sum.Substring(1, sum.Length - 2) : sum;
    }

    private static string Load(string type, string source, int offset) =>
        offset == 0 ? type + ".LoadUnsafe(ref " + source + ")" : type + ".LoadUnsafe(ref " + source + ", " + offset.ToString(CultureInfo.InvariantCulture) + ")";

    private static string Store(string value, string target, int offset)
    {
        // An operator expression needs parentheses before ".StoreUnsafe"; a call does not.
        string receiver = IsSingleCall(value) ? value : "(" + value + ")";
        return offset == 0
            ? receiver + ".StoreUnsafe(ref " + target + ");"
            : receiver + ".StoreUnsafe(ref " + target + ", " + offset.ToString(CultureInfo.InvariantCulture) + ");";
    }

    /// <summary>True when <paramref name="expression"/> is one call: its first '(' closes at the very end.</summary>
    private static bool IsSingleCall(string expression)
    {
        int depth = 0;
        int open = expression.IndexOf('(');
        if (open < 0)
        {
            return false;
        }

        for (int i = open; i < expression.Length; i++)
        {
            depth += expression[i] == '(' ? 1 : expression[i] == ')' ? -1 : 0;
            if (depth == 0)
            {
                return i == expression.Length - 1;
            }
        }

        return false;
    }

    private static string CacheLoad(string type, string source, int offset) =>
        "TFormat.Load" + type.Substring("Vector".Length) + "(ref " + source + ", " + offset.ToString(CultureInfo.InvariantCulture) + ")";

    private static string CacheElement(string source, int offset) =>
        "TFormat.Load(ref " + source + ", " + offset.ToString(CultureInfo.InvariantCulture) + ")";

    private static string Element(string source, int offset) =>
        offset == 0 ? source : "Unsafe.Add(ref " + source + ", " + offset.ToString(CultureInfo.InvariantCulture) + ")";
}
