using System;
using System.Collections.Generic;

namespace KernelGen.Runtime.Tests.Published;

/// <summary>
/// Attention masks written from the published definitions, independently of KernelGen's own
/// <c>AttentionPattern.Attends</c> and of its shared decomposition: openai/sparse_attention's
/// <c>get_attn_mask</c>, the Sparse Transformer paper's A(1)/A(2) (Child et al. 2019, section 4.2),
/// and DeepSpeed's <c>sparsity_config.py</c> layouts with <c>attention='unidirectional'</c>.
/// [query, key]; block layouts are [head][query block, key block].
/// </summary>
internal static class PublishedMasks
{
    /// <summary>openai 'local': <c>matrix_band_part(ones([n, n]), min(n − 1, bandwidth − 1), 0)</c>: i − j ≤ bandwidth − 1.</summary>
    public static bool[,] OpenAiLocal(int n, int bandwidth) =>
        Mask(n, (i, j) => j <= i && i - j <= Math.Min(n - 1, bandwidth - 1));

    /// <summary>openai 'strided': q ≥ k and (q − k) mod stride = 0.</summary>
    public static bool[,] OpenAiStrided(int n, int stride) =>
        Mask(n, (i, j) => i >= j && (i - j) % stride == 0);

    /// <summary>Paper, strided A(1) = {t, t + 1, …, i} for t = max(0, i − l).</summary>
    public static bool[,] PaperStridedA1(int n, int l) =>
        Mask(n, (i, j) => j >= Math.Max(0, i - l) && j <= i);

    /// <summary>Paper, strided A(2) = {j : (i − j) mod l = 0}.</summary>
    public static bool[,] PaperStridedA2(int n, int l) =>
        Mask(n, (i, j) => j <= i && (i - j) % l == 0);

    /// <summary>Paper, fixed A(1) = {j : ⌊j/l⌋ = ⌊i/l⌋} ∪ A(2) = {j : j mod l ∈ {t, …, l}}, t = l − c (causal).</summary>
    public static bool[,] PaperFixed(int n, int l, int c) =>
        Mask(n, (i, j) => j <= i && (j / l == i / l || j % l >= l - c));

    /// <summary>
    /// DeepSpeed <c>FixedSparsityConfig(..., attention='unidirectional').make_layout</c>: set_local_layout
    /// then set_global_layout per layout head; heads copy head 0 unless different_layout_per_head.
    /// Left as DeepSpeed writes it, blocks above the diagonal included.
    /// </summary>
    public static bool[][,] DeepSpeedFixed(int heads, int blocks, int numLocalBlocks, int numGlobalBlocks, int numDifferentGlobalPatterns, bool differentLayoutPerHead)
    {
        var layout = Layout(heads, blocks);
        int layoutHeads = differentLayoutPerHead ? heads : 1;
        for (int h = 0; h < layoutHeads; h++)
        {
            for (int i = 0; i < blocks; i += numLocalBlocks)
            {
                int end = Math.Min(i + numLocalBlocks, blocks);
                for (int row = i; row < end; row++)
                {
                    for (int col = i; col < row + 1; col++)
                    {
                        layout[h][row, col] = true;
                    }
                }
            }

            int firstGlobal = numLocalBlocks - (1 + h % numDifferentGlobalPatterns) * numGlobalBlocks;
            int fullEnd = blocks - blocks % numLocalBlocks;
            for (int i = firstGlobal; i < fullEnd; i += numLocalBlocks)
            {
                SetRowsFrom(layout[h], i, i, Math.Min(i + numGlobalBlocks, blocks));
            }

            if (fullEnd < blocks)
            {
                int start = Math.Min(fullEnd + firstGlobal, blocks - numGlobalBlocks);
                SetRowsFrom(layout[h], start, start, start + numGlobalBlocks);
            }
        }

        return Propagate(layout, differentLayoutPerHead);
    }

    /// <summary>DeepSpeed's set_sliding_window_layout: w = ⌊nsw/2⌋ blocks each side, cut at the edges.</summary>
    public static void DeepSpeedSlidingWindow(bool[,] layout, int numSlidingWindowBlocks)
    {
        int blocks = layout.GetLength(0), w = numSlidingWindowBlocks / 2;
        for (int row = 0; row < blocks; row++)
        {
            for (int col = Math.Max(0, row - w); col < Math.Min(row + w + 1, blocks); col++)
            {
                layout[row, col] = true;
            }
        }
    }

    /// <summary>
    /// DeepSpeed <c>BSLongformerSparsityConfig(..., attention='unidirectional')</c>: the sliding window,
    /// then each global block (or [start, end) window) as a whole row and a whole column, then tril.
    /// </summary>
    public static bool[,] DeepSpeedBsLongformer(int blocks, int numSlidingWindowBlocks, int[] globalBlockIndices, int[]? globalBlockEndIndices = null)
    {
        var layout = new bool[blocks, blocks];
        DeepSpeedSlidingWindow(layout, numSlidingWindowBlocks);
        for (int g = 0; g < globalBlockIndices.Length; g++)
        {
            int start = globalBlockIndices[g];
            int end = globalBlockEndIndices is null ? start + 1 : Math.Min(globalBlockEndIndices[g], blocks);
            for (int block = start; block < end && block < blocks; block++)
            {
                for (int other = 0; other < blocks; other++)
                {
                    layout[block, other] = true;
                    layout[other, block] = true;
                }
            }
        }

        Tril(layout);
        return layout;
    }

    /// <summary>
    /// DeepSpeed <c>BigBirdSparsityConfig(..., attention='unidirectional')</c> without its random
    /// blocks (Python's random.sample is not reproduced here): sliding window, the first
    /// num_global_blocks as rows and columns, tril.
    /// </summary>
    public static bool[,] DeepSpeedBigBirdWithoutRandom(int blocks, int numSlidingWindowBlocks, int numGlobalBlocks)
    {
        var layout = new bool[blocks, blocks];
        DeepSpeedSlidingWindow(layout, numSlidingWindowBlocks);
        for (int block = 0; block < numGlobalBlocks; block++)
        {
            for (int other = 0; other < blocks; other++)
            {
                layout[block, other] = true;
                layout[other, block] = true;
            }
        }

        Tril(layout);
        return layout;
    }

    /// <summary>DeepSpeed <c>LocalSlidingWindowSparsityConfig(..., attention='unidirectional')</c>: blocks row − ⌊nsw/2⌋ … row.</summary>
    public static bool[,] DeepSpeedLocalSlidingWindow(int blocks, int numSlidingWindowBlocks)
    {
        var layout = new bool[blocks, blocks];
        int w = numSlidingWindowBlocks / 2;
        for (int row = 0; row < blocks; row++)
        {
            for (int col = Math.Max(0, row - w); col < row + 1; col++)
            {
                layout[row, col] = true;
            }
        }

        return layout;
    }

    /// <summary>A block layout as tokens: query i attends key j ≤ i when their blocks are set (the kernel's causal mask inside a block).</summary>
    public static bool[,] Tokens(bool[,] layout, int blockSize) =>
        Mask(layout.GetLength(0) * blockSize, (i, j) => j <= i && layout[i / blockSize, j / blockSize]);

    /// <summary>The keys query <paramref name="query"/> attends in a mask, ascending.</summary>
    public static int[] Keys(bool[,] mask, int query)
    {
        var keys = new List<int>();
        for (int j = 0; j < mask.GetLength(1); j++)
        {
            if (mask[query, j])
            {
                keys.Add(j);
            }
        }

        return keys.ToArray();
    }

    public static bool[,] Union(bool[,] a, bool[,] b) =>
        Mask(a.GetLength(0), (i, j) => a[i, j] || b[i, j]);

    private static void SetRowsFrom(bool[,] layout, int firstRow, int firstColumn, int endColumn)
    {
        for (int row = firstRow; row < layout.GetLength(0); row++)
        {
            for (int col = firstColumn; col < endColumn; col++)
            {
                layout[row, col] = true;
            }
        }
    }

    private static void Tril(bool[,] layout)
    {
        for (int row = 0; row < layout.GetLength(0); row++)
        {
            for (int col = row + 1; col < layout.GetLength(1); col++)
            {
                layout[row, col] = false;
            }
        }
    }

    private static bool[][,] Layout(int heads, int blocks)
    {
        var layout = new bool[heads][,];
        for (int h = 0; h < heads; h++)
        {
            layout[h] = new bool[blocks, blocks];
        }

        return layout;
    }

    private static bool[][,] Propagate(bool[][,] layout, bool differentLayoutPerHead)
    {
        if (!differentLayoutPerHead)
        {
            for (int h = 1; h < layout.Length; h++)
            {
                layout[h] = (bool[,])layout[0].Clone();
            }
        }

        return layout;
    }

    private static bool[,] Mask(int n, Func<int, int, bool> attends)
    {
        var mask = new bool[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                mask[i, j] = attends(i, j);
            }
        }

        return mask;
    }
}
