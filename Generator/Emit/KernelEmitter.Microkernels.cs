using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>Main-width vectors up to which head_dim is walked straight-line; beyond, a constant-bound loop of unrolled rounds.</summary>
    private const int MaxUnrolledChunks = 8;

    /// <summary>
    /// The microkernels, once per SIMD path: the engine's inner loops with head_dim a constant.
    /// Scores take 2 query rows × 4 keys at a time (8 accumulators: each loaded vector feeds
    /// several FMAs, and registers hold them all); accumulation takes 2 rows × up to 4 vectors of
    /// head_dim at a time against every key of the block.
    /// </summary>
    private static void EmitMicrokernels(SourceWriter w, KernelPlan plan)
    {
        foreach (var path in plan.Paths)
        {
            w.Line();
            w.Line("/// <summary>Microkernels for head_dim " + Invariant($"{plan.HeadDim}") + " on the " + path.Name + " path: " + path.Describe() + ".</summary>");
            using (w.Block("private readonly struct " + MicroName(path) + " : IAttentionMicrokernels"))
            {
                w.Line("public int HeadDim => " + Invariant($"{plan.HeadDim}") + ";");
                w.Line();
                if (path.Bits == 0)
                {
                    EmitScalarMicrokernels(w, plan);
                }
                else
                {
                    EmitScores(w, plan, path);
                    w.Line();
                    EmitAccumulate(w, plan, path);
                }

                w.Line();
                EmitScale(w, path);
                w.Line();
                if (path.Bits == 0 && path.Chunks.Count > MaxUnrolledScalars)
                {
                    EmitScalarDot(w, plan);
                }
                else
                {
                    EmitDot(w, path);
                }
            }
        }
    }

    /// <summary>How head_dim is walked: main-width chunks (maybe in a loop of unrolled rounds), then narrower ones.</summary>
    private sealed class DimensionWalk
    {
        public DimensionWalk(SimdPath path)
        {
            int width = path.Chunks[0].Floats;
            var main = path.Chunks.Where(c => c.Floats == width).ToList();
            Rest = path.Chunks.Skip(main.Count).Select(c => (Invariant($"{c.Offset}"), c.Floats)).ToList();
            if (main.Count <= MaxUnrolledChunks)
            {
                Rest.InsertRange(0, main.Select(c => (Invariant($"{c.Offset}"), c.Floats)));
                return;
            }

            int round = new[] { 8, 4, 2, 1 }.First(u => main.Count % u == 0);
            LoopEnd = main.Count * width;
            LoopStep = round * width;
            Round = Enumerable.Range(0, round).Select(u => (u == 0 ? "i" : Invariant($"i + {u * width}"), width)).ToList();
        }

        /// <summary>Floats the loop covers; 0 when there is no loop.</summary>
        public int LoopEnd { get; }

        public int LoopStep { get; }

        /// <summary>One round of the loop: offsets (in terms of i) and widths.</summary>
        public List<(string Offset, int Floats)> Round { get; } = new();

        /// <summary>Chunks after the loop (or all of them), with constant offsets.</summary>
        public List<(string Offset, int Floats)> Rest { get; }

        public IEnumerable<int> Widths => Round.Concat(Rest).Select(c => c.Floats).Distinct();
    }

    private static void EmitScores(SourceWriter w, KernelPlan plan, SimdPath path)
    {
        var walk = new DimensionWalk(path);
        string d = Invariant($"{plan.HeadDim}");
        w.Line("/// <summary>Scores, 2 query rows × 4 keys per block; a last odd row 1 × 4; last keys one by one.</summary>");
        using (w.Block("public void Scores(ref float q, int rows, ref float k, int cols, ref float s, int sStride)"))
        {
            w.Line("int r = 0;");
            using (w.Block("for (; r + 2 <= rows; r += 2)"))
            {
                w.Line("ref float q0 = ref Unsafe.Add(ref q, r * " + d + ");");
                w.Line("ref float q1 = ref Unsafe.Add(ref q0, " + d + ");");
                w.Line("ref float s0 = ref Unsafe.Add(ref s, r * sStride);");
                w.Line("ref float s1 = ref Unsafe.Add(ref s0, sStride);");
                EmitScoreColumns(w, plan, walk, 2);
            }

            w.Line();
            using (w.Block("if (r < rows)"))
            {
                w.Line("ref float q0 = ref Unsafe.Add(ref q, r * " + d + ");");
                w.Line("ref float s0 = ref Unsafe.Add(ref s, r * sStride);");
                EmitScoreColumns(w, plan, walk, 1);
            }
        }
    }

    private static void EmitScoreColumns(SourceWriter w, KernelPlan plan, DimensionWalk walk, int rows)
    {
        string d = Invariant($"{plan.HeadDim}");
        w.Line("int c = 0;");
        using (w.Block("for (; c + 4 <= cols; c += 4)"))
        {
            w.Line("ref float k0 = ref Unsafe.Add(ref k, c * " + d + ");");
            w.Line("ref float k1 = ref Unsafe.Add(ref k0, " + d + ");");
            w.Line("ref float k2 = ref Unsafe.Add(ref k1, " + d + ");");
            w.Line("ref float k3 = ref Unsafe.Add(ref k2, " + d + ");");
            foreach (int floats in walk.Widths)
            {
                string type = TypeOf(floats);
                var accumulators = Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, 4).Select(c => Accumulator(floats, r, c)));
                w.Line(type + " " + string.Join(", ", accumulators.Select(a => a + (floats == 1 ? " = 0" : " = default"))) + ";");
                if (floats > 1)
                {
                    // Loaded query chunks (one per row) and the key chunk they meet.
                    w.Line(type + " " + string.Join(", ", Enumerable.Range(0, rows).Select(r => QueryChunk(floats, r)).Append(KeyChunk(floats))) + ";");
                }
            }

            if (walk.LoopEnd > 0)
            {
                using (w.Block(Invariant($"for (int i = 0; i < {walk.LoopEnd}; i += {walk.LoopStep})")))
                {
                    EmitScoreRound(w, walk.Round, rows);
                }
            }

            EmitScoreRound(w, walk.Rest, rows);

            // Fold every accumulator of a (row, key) pair down to the narrowest vector present, then reduce 4 keys at once.
            var vectorWidths = walk.Widths.Where(f => f > 1).OrderByDescending(f => f).ToList();
            bool scalars = walk.Widths.Contains(1);
            for (int r = 0; r < rows; r++)
            {
                string sum;
                if (vectorWidths.Count == 0)
                {
                    sum = "Vector128.Create(" + string.Join(", ", Enumerable.Range(0, 4).Select(c => Accumulator(1, r, c))) + ")";
                }
                else
                {
                    int narrowest = vectorWidths.Last();
                    var perKey = Enumerable.Range(0, 4).Select(c => string.Join(" + ", vectorWidths.Select(f => FoldTo(Accumulator(f, r, c), f, narrowest))));
                    sum = "Microkernels.Reduce4(" + string.Join(", ", perKey) + ")";
                    if (scalars)
                    {
                        sum = "(" + sum + " + Vector128.Create(" + string.Join(", ", Enumerable.Range(0, 4).Select(c => Accumulator(1, r, c))) + "))";
                    }
                }

                w.Line(sum + ".StoreUnsafe(ref s" + Invariant($"{r}") + ", (nuint)c);");
            }
        }

        w.Line();
        using (w.Block("for (; c < cols; c++)"))
        {
            w.Line("ref float kc = ref Unsafe.Add(ref k, c * " + d + ");");
            for (int r = 0; r < rows; r++)
            {
                w.Line(Invariant($"Unsafe.Add(ref s{r}, c) = Dot(ref q{r}, ref kc);"));
            }
        }
    }

    private static void EmitScoreRound(SourceWriter w, List<(string Offset, int Floats)> chunks, int rows)
    {
        foreach (var (offset, floats) in chunks)
        {
            if (floats == 1)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < 4; c++)
                    {
                        w.Line(Accumulator(1, r, c) + " += " + ElementAt("q" + Invariant($"{r}"), offset) + " * " + ElementAt("k" + Invariant($"{c}"), offset) + ";");
                    }
                }

                continue;
            }

            string type = TypeName(floats);
            for (int r = 0; r < rows; r++)
            {
                w.Line(QueryChunk(floats, r) + " = " + LoadAt(type, "q" + Invariant($"{r}"), offset) + ";");
            }

            for (int c = 0; c < 4; c++)
            {
                w.Line(KeyChunk(floats) + " = " + LoadAt(type, "k" + Invariant($"{c}"), offset) + ";");
                for (int r = 0; r < rows; r++)
                {
                    string acc = Accumulator(floats, r, c);
                    w.Line(acc + " = " + MultiplyAddExpression(QueryChunk(floats, r), KeyChunk(floats), acc) + ";");
                }
            }
        }
    }

    private static void EmitAccumulate(SourceWriter w, KernelPlan plan, SimdPath path)
    {
        w.Line("/// <summary>Accumulation, 2 rows × up to 4 vectors of head_dim per pass over the block's values; a last odd row alone.</summary>");
        using (w.Block("public void Accumulate(ref float p, int pStride, int rows, ref float v, int cols, ref float o)"))
        {
            string d = Invariant($"{plan.HeadDim}");
            w.Line("int r = 0;");
            using (w.Block("for (; r + 2 <= rows; r += 2)"))
            {
                w.Line("ref float p0 = ref Unsafe.Add(ref p, r * pStride);");
                w.Line("ref float p1 = ref Unsafe.Add(ref p0, pStride);");
                w.Line("ref float o0 = ref Unsafe.Add(ref o, r * " + d + ");");
                w.Line("ref float o1 = ref Unsafe.Add(ref o0, " + d + ");");
                EmitAccumulatePasses(w, plan, path, 2, 4);
            }

            w.Line();
            using (w.Block("if (r < rows)"))
            {
                w.Line("ref float p0 = ref Unsafe.Add(ref p, r * pStride);");
                w.Line("ref float o0 = ref Unsafe.Add(ref o, r * " + d + ");");
                EmitAccumulatePasses(w, plan, path, 1, 8);
            }
        }
    }

    /// <summary>Passes over the values, each carrying up to <paramref name="perPass"/> chunks of head_dim in registers for <paramref name="rows"/> rows.</summary>
    private static void EmitAccumulatePasses(SourceWriter w, KernelPlan plan, SimdPath path, int rows, int perPass)
    {
        var walk = new DimensionWalk(path);
        if (walk.LoopEnd > 0)
        {
            // A long head: a loop of passes, each pass perPass main-width chunks from i.
            int width = walk.Round[0].Floats;
            int pass = System.Math.Min(perPass, walk.LoopEnd / width);
            while ((walk.LoopEnd / width) % pass != 0)
            {
                pass--;
            }

            using (w.Block(Invariant($"for (int i = 0; i < {walk.LoopEnd}; i += {pass * width})")))
            {
                EmitAccumulatePass(w, plan, Enumerable.Range(0, pass).Select(u => (u == 0 ? "i" : Invariant($"i + {u * width}"), width)).ToList(), rows);
            }
        }

        for (int first = 0; first < walk.Rest.Count; first += perPass)
        {
            EmitAccumulatePass(w, plan, walk.Rest.Skip(first).Take(perPass).ToList(), rows);
        }
    }

    private static void EmitAccumulatePass(SourceWriter w, KernelPlan plan, List<(string Offset, int Floats)> chunks, int rows)
    {
        using (w.Block())
        {
            for (int j = 0; j < chunks.Count; j++)
            {
                var (offset, floats) = chunks[j];
                for (int r = 0; r < rows; r++)
                {
                    w.Line("var " + Accumulator(floats, r, j) + " = " + (floats == 1 ? ElementAt("o" + Invariant($"{r}"), offset) : LoadAt(TypeName(floats), "o" + Invariant($"{r}"), offset)) + ";");
                }
            }

            foreach (int floats in chunks.Select(c => c.Floats).Where(f => f > 1).Distinct())
            {
                w.Line(TypeOf(floats) + " " + ValueChunk(floats) + ";");
            }

            w.Line("ref float vc = ref v;");
            using (w.Block("for (int c = 0; c < cols; c++, vc = ref Unsafe.Add(ref vc, " + Invariant($"{plan.HeadDim}") + "))"))
            {
                for (int r = 0; r < rows; r++)
                {
                    w.Line(Invariant($"float w{r} = Unsafe.Add(ref p{r}, c);"));
                }

                foreach (int floats in chunks.Select(c => c.Floats).Where(f => f > 1).Distinct())
                {
                    for (int r = 0; r < rows; r++)
                    {
                        w.Line("var " + Broadcast(floats, r) + " = " + TypeName(floats) + Invariant($".Create(w{r});"));
                    }
                }

                for (int j = 0; j < chunks.Count; j++)
                {
                    var (offset, floats) = chunks[j];
                    if (floats == 1)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            w.Line(Accumulator(1, r, j) + Invariant($" += w{r} * ") + ElementAt("vc", offset) + ";");
                        }

                        continue;
                    }

                    string type = TypeName(floats);
                    w.Line(ValueChunk(floats) + " = " + LoadAt(type, "vc", offset) + ";");
                    for (int r = 0; r < rows; r++)
                    {
                        string acc = Accumulator(floats, r, j);
                        w.Line(acc + " = " + MultiplyAddExpression(Broadcast(floats, r), ValueChunk(floats), acc) + ";");
                    }
                }
            }

            for (int j = 0; j < chunks.Count; j++)
            {
                var (offset, floats) = chunks[j];
                for (int r = 0; r < rows; r++)
                {
                    w.Line(floats == 1
                        ? ElementAt("o" + Invariant($"{r}"), offset) + " = " + Accumulator(1, r, j) + ";"
                        : Accumulator(floats, r, j) + ".StoreUnsafe(ref o" + Invariant($"{r}") + (offset == "0" ? "" : ", " + NativeOffset(offset)) + ");");
                }
            }
        }
    }

    private static void EmitScalarMicrokernels(SourceWriter w, KernelPlan plan)
    {
        string d = Invariant($"{plan.HeadDim}");
        w.Line("/// <summary>Scores, one pair at a time (the scalar fallback).</summary>");
        using (w.Block("public void Scores(ref float q, int rows, ref float k, int cols, ref float s, int sStride)"))
        {
            using (w.Block("for (int r = 0; r < rows; r++)"))
            {
                using (w.Block("for (int c = 0; c < cols; c++)"))
                {
                    w.Line("Unsafe.Add(ref s, r * sStride + c) = Dot(ref Unsafe.Add(ref q, r * " + d + "), ref Unsafe.Add(ref k, c * " + d + "));");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>Accumulation, one row and one value at a time (the scalar fallback).</summary>");
        using (w.Block("public void Accumulate(ref float p, int pStride, int rows, ref float v, int cols, ref float o)"))
        {
            using (w.Block("for (int r = 0; r < rows; r++)"))
            {
                using (w.Block("for (int c = 0; c < cols; c++)"))
                {
                    w.Line("float weight = Unsafe.Add(ref p, r * pStride + c);");
                    using (w.Block("for (int i = 0; i < " + d + "; i++)"))
                    {
                        w.Line("Unsafe.Add(ref o, r * " + d + " + i) += weight * Unsafe.Add(ref v, c * " + d + " + i);");
                    }
                }
            }
        }
    }

    private static void EmitScalarDot(SourceWriter w, KernelPlan plan)
    {
        w.Line("/// <summary>One dot product: on the scalar fallback a long head is a constant-bound loop.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block("private static float Dot(ref float a, ref float b)"))
        {
            w.Line("float sum = 0;");
            using (w.Block("for (int i = 0; i < " + Invariant($"{plan.HeadDim}") + "; i++)"))
            {
                w.Line("sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);");
            }

            w.Line("return sum;");
        }
    }

    private static string Accumulator(int floats, int row, int index) =>
        (floats == 1 ? "t" : "a" + Invariant($"{floats * 32}") + "_") + Invariant($"{row}{index}");

    private static string QueryChunk(int floats, int row) => "x" + Invariant($"{row}") + "_" + Invariant($"{floats * 32}");

    private static string KeyChunk(int floats) => "y_" + Invariant($"{floats * 32}");

    private static string ValueChunk(int floats) => "y_" + Invariant($"{floats * 32}");

    private static string Broadcast(int floats, int row) => "w" + Invariant($"{row}") + "_" + Invariant($"{floats * 32}");

    private static string TypeOf(int floats) => floats == 1 ? "float" : TypeName(floats) + "<float>";

    private static string TypeName(int floats) => "Vector" + Invariant($"{floats * 32}");

    private static string FoldTo(string value, int from, int to)
    {
        for (int f = from; f > to; f /= 2)
        {
            value = "Microkernels.Fold(" + value + ")";
        }

        return value;
    }

    private static string LoadAt(string type, string source, string offset) =>
        offset == "0" ? type + ".LoadUnsafe(ref " + source + ")" : type + ".LoadUnsafe(ref " + source + ", " + NativeOffset(offset) + ")";

    /// <summary>A constant offset as it is; an expression in terms of i cast to nuint.</summary>
    private static string NativeOffset(string offset) => offset.All(char.IsDigit) ? offset : "(nuint)(" + offset + ")";

    private static string ElementAt(string source, string offset) =>
        offset == "0" ? source : "Unsafe.Add(ref " + source + ", " + offset + ")";

    private static string MicroName(SimdPath path) => path.Bits == 0 ? "MicroScalar" : "Micro" + Invariant($"{path.Bits}");
}
