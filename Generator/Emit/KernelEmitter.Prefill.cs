using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>
    /// Prefill: flash-attention tiling (Dao et al. 2022). A tile of positions × the group's heads
    /// (its rows) against blocks of keys, online softmax per row. Causality is per tile: key blocks
    /// past the tile's last position are never visited, and only the diagonal block masks scores.
    /// </summary>
    private static void EmitPrefill(SourceWriter w, KernelPlan plan)
    {
        w.Line("/// <summary>Prefill on one SIMD path; <typeparamref name=\"TOps\"/> supplies the head_dim-wide operations.</summary>");
        w.Line("private void Prefill<TOps>(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("int end = start + count;");
            w.Line("ref float scores = ref MemoryMarshal.GetArrayDataReference(_scores);");
            w.Line("ref float acc = ref MemoryMarshal.GetArrayDataReference(_acc);");
            w.Line("ref float queries = ref MemoryMarshal.GetReference(query);");
            w.Line("ref float outputs = ref MemoryMarshal.GetReference(output);");
            using (w.Block("for (int kvHead = 0; kvHead < KvHeads; kvHead++)"))
            {
                w.Line("ref float keys = ref cache.KeysRef(layer, kvHead);");
                w.Line("ref float values = ref cache.ValuesRef(layer, kvHead);");
                using (w.Block("for (int tile = start; tile < end; tile += QueryTile)"))
                {
                    w.Line("int positions = Math.Min(QueryTile, end - tile);");
                    w.Line("int rows = positions * Group;  // row = position in tile * Group + head in group");
                    w.Line("int last = tile + positions - 1;");
                    w.Line("_acc.AsSpan(0, rows * HeadDim).Clear();");
                    w.Line("_max.AsSpan(0, rows).Fill(float.NegativeInfinity);");
                    w.Line("_sum.AsSpan(0, rows).Clear();");
                    w.Line();
                    w.Line("// Causal: blocks after the tile's last position are never visited.");
                    using (w.Block("for (int block = 0; block <= last; block += KeyBlock)"))
                    {
                        w.Line("int n = Math.Min(KeyBlock, last + 1 - block);");
                        w.Line("bool diagonal = block + n - 1 > tile;  // some key in this block is after some position of the tile");
                        using (w.Block("for (int t = 0; t < n; t++)"))
                        {
                            w.Line("int key = block + t;");
                            w.Line("ref float k = ref Unsafe.Add(ref keys, key * HeadDim);");
                            using (w.Block("for (int p = 0; p < positions; p++)"))
                            {
                                w.Line("int position = tile + p;");
                                w.Line("ref float q = ref Unsafe.Add(ref queries, (position - start) * Dim + kvHead * Group * HeadDim);");
                                w.Line("ref float rowScores = ref Unsafe.Add(ref scores, p * Group * KeyBlock + t);");
                                using (w.Block("if (diagonal && key > position)"))
                                {
                                    EmitPerHead(w, plan, h =>
                                        "Unsafe.Add(ref rowScores, " + h.Scaled("KeyBlock", plan.KeyBlock) + ") = float.NegativeInfinity;");
                                }

                                using (w.Block("else"))
                                {
                                    EmitPerHead(w, plan, h =>
                                        "Unsafe.Add(ref rowScores, " + h.Scaled("KeyBlock", plan.KeyBlock) + ") = TOps.Dot(ref " + h.Offset("q", plan.HeadDim) + ", ref k) * Scale;");
                                }
                            }
                        }

                        w.Line();
                        w.Line("FoldBlock<TOps>(ref acc, rows, n);");
                        w.Line();
                        using (w.Block("for (int t = 0; t < n; t++)"))
                        {
                            w.Line("ref float v = ref Unsafe.Add(ref values, (block + t) * HeadDim);");
                            using (w.Block("for (int row = 0; row < rows; row++)"))
                            {
                                w.Line("TOps.MultiplyAdd(ref Unsafe.Add(ref acc, row * HeadDim), Unsafe.Add(ref scores, row * KeyBlock + t), ref v);");
                            }
                        }
                    }

                    w.Line();
                    w.Line("// Normalize each row and write it to its position's output row.");
                    using (w.Block("for (int row = 0; row < rows; row++)"))
                    {
                        w.Line("int p = row / Group, h = row % Group;");
                        w.Line("ref float source = ref Unsafe.Add(ref acc, row * HeadDim);");
                        w.Line("TOps.Scale(ref source, 1f / _sum[row]);");
                        w.Line("MemoryMarshal.CreateReadOnlySpan(ref source, HeadDim).CopyTo(");
                        w.Line("    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outputs, (tile + p - start) * Dim + (kvHead * Group + h) * HeadDim), HeadDim));");
                    }
                }
            }
        }
    }
}
