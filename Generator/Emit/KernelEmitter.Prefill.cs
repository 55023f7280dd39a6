using KernelGen.Generator.Planning;

namespace KernelGen.Generator.Emit;

internal static partial class KernelEmitter
{
    /// <summary>
    /// Prefill: flash-attention tiling (Dao et al. 2022). Each pattern gets a method that lists a
    /// tile's key ranges with its constants; a tile of positions × heads (its rows) then meets those
    /// ranges in blocks of keys, with online softmax per row. Ranges end where the pattern ends, so
    /// key blocks the pattern leaves empty are never visited; only blocks on a range's edge (the
    /// causal diagonal, a window's far end) are masked. Strided keys are visited along their
    /// diagonals, each query meeting only its own keys.
    /// </summary>
    private static void EmitPrefill(SourceWriter w, KernelPlan plan)
    {
        EmitLayerDispatch(w, plan, "Prefill", "KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output", "cache, layer, start, count, query, output");
        foreach (var pattern in plan.Patterns)
        {
            w.Line();
            w.Line("/// <summary>Prefill, " + Xml(pattern.Summary) + ".</summary>");
            w.Line("private void Prefill" + pattern.Name + "<TOps>(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output)");
            w.Line("    where TOps : struct, IHeadOps");
            using (w.Block())
            {
                w.Line("Span<KeyRange> ranges = _ranges;");
                w.Line("int end = start + count;");
                using (w.Block("for (int tile = start; tile < end;)"))
                {
                    w.Line("int tileEnd = Math.Min(tile + QueryTile, end);");
                    if (pattern.BlockLength > 0)
                    {
                        w.Line(Invariant($"// Tiles stay inside one block of {pattern.BlockLength}, so every row of a tile sees the same key blocks."));
                        w.Line(Invariant($"tileEnd = Math.Min(tileEnd, (tile / {pattern.BlockLength} + 1) * {pattern.BlockLength});"));
                    }

                    w.Line("int last = tileEnd - 1;");
                    w.Line("int n;");
                    for (int c = 0; c < pattern.Classes.Count; c++)
                    {
                        var headClass = pattern.Classes[c];
                        if (pattern.HasSeveralClasses)
                        {
                            w.Line();
                            w.Line("// Head class " + Invariant($"{c}") + ".");
                        }

                        bool first = true;
                        foreach (var component in headClass.Components)
                        {
                            if (component.Kind == (int)Patterns.ComponentKind.Stride)
                            {
                                w.Line("// " + component.Comment + " (AttendTile visits these along their diagonals)");
                                continue;
                            }

                            w.Line("// " + component.Comment);
                            w.Line((first ? "n = " : "n += ") + TileCall(PatternsClassName(plan), component, pattern, c, first ? "ranges" : "ranges.Slice(n)") + ";");
                            first = false;
                        }

                        if (first)
                        {
                            w.Line("n = 0;");
                        }

                        using (w.Block("for (int kvHead = 0; kvHead < KvHeads; kvHead++)"))
                        {
                            w.Line("AttendTile<TOps>(cache, layer, kvHead, " + HeadsExpression(pattern, c) + ", ranges.Slice(0, n), stride: " + Invariant($"{headClass.StridePeriod}") + ", " + Bool(pattern.IsRolling) + ",");
                            w.Line("    query, output, start, tile, tileEnd - tile);");
                        }
                    }

                    w.Line();
                    w.Line("tile = tileEnd;");
                }
            }
        }

        w.Line();
        EmitAttendTile(w, plan);
        w.Line();
        EmitTileKeys(w);
        if (plan.HasStrided)
        {
            w.Line();
            EmitTileStrided(w);
        }
    }

    private static void EmitAttendTile(SourceWriter w, KernelPlan plan)
    {
        w.Line("/// <summary>Attends one KV head's keys in <paramref name=\"ranges\"/> (and strided keys) for a tile of positions × <paramref name=\"heads\"/>.</summary>");
        w.Line("private void AttendTile<TOps>(KvCache cache, int layer, int kvHead, int[] heads, ReadOnlySpan<KeyRange> ranges, int stride, bool rolling,");
        w.Line("    ReadOnlySpan<float> query, Span<float> output, int start, int tile, int positions)");
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
            w.Line("Reset(positions * heads.Length);");
            using (w.Block("foreach (var range in ranges)"))
            {
                w.Line("int pieces = rolling ? cache.Layout(layer).ToSlotRuns(range.Start, range.Count, runs) : 1;");
                using (w.Block("if (!rolling)"))
                {
                    w.Line("runs[0] = (range.Start, range.Start, range.Count);");
                }

                w.Line();
                using (w.Block("for (int piece = 0; piece < pieces; piece++)"))
                {
                    w.Line("TileKeys<TOps>(ref keys, ref values, query, heads, start, tile, positions, runs[piece].Slot, runs[piece].Position, runs[piece].Count,");
                    w.Line("    range.MinDistance, range.MaxDistance);");
                }
            }

            if (plan.HasStrided)
            {
                w.Line();
                using (w.Block("if (stride > 0)"))
                {
                    w.Line("TileStrided<TOps>(ref keys, ref values, query, heads, start, tile, positions, stride);");
                }
            }

            w.Line();
            w.Line("Finish<TOps>(heads, positions, ref MemoryMarshal.GetReference(output), (tile - start) * Dim);");
        }
    }

    private static void EmitTileKeys(SourceWriter w)
    {
        w.Line("/// <summary>Folds contiguous keys (slots from <paramref name=\"slot\"/>, positions from <paramref name=\"firstKey\"/>) into every row of the tile.</summary>");
        w.Line("private void TileKeys<TOps>(ref float keys, ref float values, ReadOnlySpan<float> query, int[] heads, int start, int tile, int positions,");
        w.Line("    int slot, int firstKey, int count, int minDistance, int maxDistance)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("int rows = positions * heads.Length, last = tile + positions - 1;");
            w.Line("ref float scores = ref MemoryMarshal.GetArrayDataReference(_scores);");
            w.Line("ref float acc = ref MemoryMarshal.GetArrayDataReference(_acc);");
            w.Line("ref float q = ref MemoryMarshal.GetReference(query);");
            using (w.Block("for (int block = 0; block < count; block += KeyBlock)"))
            {
                w.Line("int n = Math.Min(KeyBlock, count - block);");
                w.Line("// Only a block on the range's edge (the causal diagonal, a window's far end) needs a mask.");
                w.Line("bool masked = KeySegments.NeedsMask(tile, last, firstKey + block, n, minDistance, maxDistance);");
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    w.Line("int key = firstKey + block + t;");
                    w.Line("ref float k = ref Unsafe.Add(ref keys, (slot + block + t) * HeadDim);");
                    using (w.Block("for (int p = 0; p < positions; p++)"))
                    {
                        w.Line("int distance = tile + p - key;");
                        w.Line("bool attended = !masked || (distance >= minDistance && distance <= maxDistance);");
                        w.Line("ref float qRow = ref Unsafe.Add(ref q, (tile + p - start) * Dim);");
                        w.Line("ref float rowScores = ref Unsafe.Add(ref scores, p * heads.Length * KeyBlock + t);");
                        using (w.Block("for (int h = 0; h < heads.Length; h++)"))
                        {
                            w.Line("Unsafe.Add(ref rowScores, h * KeyBlock) = attended");
                            w.Line("    ? TOps.Dot(ref Unsafe.Add(ref qRow, heads[h] * HeadDim), ref k) * Scale");
                            w.Line("    : float.NegativeInfinity;");
                        }
                    }
                }

                w.Line();
                w.Line("FoldBlock<TOps>(rows, n);");
                w.Line();
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    w.Line("ref float v = ref Unsafe.Add(ref values, (slot + block + t) * HeadDim);");
                    using (w.Block("for (int row = 0; row < rows; row++)"))
                    {
                        w.Line("TOps.MultiplyAdd(ref Unsafe.Add(ref acc, row * HeadDim), Unsafe.Add(ref scores, row * KeyBlock + t), ref v);");
                    }
                }
            }
        }
    }

    private static void EmitTileStrided(SourceWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Strided keys i - m * stride (m >= 1) for every row of the tile, visited along the diagonals m:");
        w.Line("/// each query meets only its own keys, so no score is computed to be masked.");
        w.Line("/// </summary>");
        w.Line("private void TileStrided<TOps>(ref float keys, ref float values, ReadOnlySpan<float> query, int[] heads, int start, int tile, int positions, int stride)");
        w.Line("    where TOps : struct, IHeadOps");
        using (w.Block())
        {
            w.Line("int rows = positions * heads.Length, diagonals = (tile + positions - 1) / stride;");
            w.Line("ref float scores = ref MemoryMarshal.GetArrayDataReference(_scores);");
            w.Line("ref float acc = ref MemoryMarshal.GetArrayDataReference(_acc);");
            w.Line("ref float q = ref MemoryMarshal.GetReference(query);");
            using (w.Block("for (int block = 1; block <= diagonals; block += KeyBlock)"))
            {
                w.Line("int n = Math.Min(KeyBlock, diagonals - block + 1);");
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    using (w.Block("for (int p = 0; p < positions; p++)"))
                    {
                        w.Line("int key = tile + p - (block + t) * stride;");
                        w.Line("ref float qRow = ref Unsafe.Add(ref q, (tile + p - start) * Dim);");
                        w.Line("ref float rowScores = ref Unsafe.Add(ref scores, p * heads.Length * KeyBlock + t);");
                        using (w.Block("for (int h = 0; h < heads.Length; h++)"))
                        {
                            w.Line("Unsafe.Add(ref rowScores, h * KeyBlock) = key >= 0");
                            w.Line("    ? TOps.Dot(ref Unsafe.Add(ref qRow, heads[h] * HeadDim), ref Unsafe.Add(ref keys, key * HeadDim)) * Scale");
                            w.Line("    : float.NegativeInfinity;");
                        }
                    }
                }

                w.Line();
                w.Line("FoldBlock<TOps>(rows, n);");
                w.Line();
                using (w.Block("for (int t = 0; t < n; t++)"))
                {
                    using (w.Block("for (int p = 0; p < positions; p++)"))
                    {
                        w.Line("int key = tile + p - (block + t) * stride;");
                        using (w.Block("if (key < 0)"))
                        {
                            w.Line("continue;");
                        }

                        w.Line();
                        w.Line("ref float v = ref Unsafe.Add(ref values, key * HeadDim);");
                        using (w.Block("for (int h = 0; h < heads.Length; h++)"))
                        {
                            w.Line("int row = p * heads.Length + h;");
                            w.Line("TOps.MultiplyAdd(ref Unsafe.Add(ref acc, row * HeadDim), Unsafe.Add(ref scores, row * KeyBlock + t), ref v);");
                        }
                    }
                }
            }
        }
    }

    /// <summary>The call that lists one component's key ranges for a prefill tile.</summary>
    private static string TileCall(string dataClass, ComponentPlan c, PatternPlan pattern, int headClass, string target) => (Patterns.ComponentKind)c.Kind switch
    {
        Patterns.ComponentKind.Band => "KeySegments.BandTile(tile, last, " + Invariant($"{c.Lo}, {HiLiteral(c.Hi)}") + ", " + target + ")",
        Patterns.ComponentKind.SameBlock => "KeySegments.SameBlockTile(tile, last, " + Invariant($"{c.Period}") + ", " + target + ")",
        Patterns.ComponentKind.Columns => "KeySegments.ColumnsTile(tile, " + Invariant($"{c.Period}, {c.Offset}, {c.Width}") + ", " + target + ")",
        Patterns.ComponentKind.Prefix => "KeySegments.PrefixTile(last, " + Invariant($"{c.Width}, {c.Lo}") + ", " + target + ")",
        _ => "KeySegments.BlocksTile(last, " + Invariant($"{c.Period}") + ", " + BlockRow(dataClass, pattern, headClass, "tile / " + Invariant($"{c.Period}")) + ", " + target + ")",
    };
}
