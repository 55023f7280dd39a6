namespace KernelGen.Kernels.Engine;

/// <summary>One worker's buffers, allocated once: a tile's queries, scores, outputs and softmax state.</summary>
internal sealed class AttentionScratch
{
    public AttentionScratch(int rows, int headDim, int keyBlock, int maxSegments)
    {
        Queries = new float[rows * headDim];
        Outputs = new float[rows * headDim];
        Scores = new float[rows * keyBlock];
        Max = new float[rows];
        Sum = new float[rows];
        GatheredKeys = new byte[keyBlock * headDim * sizeof(float)];
        GatheredValues = new byte[keyBlock * headDim * sizeof(float)];
        GatheredKeyScales = new float[keyBlock];
        GatheredValueScales = new float[keyBlock];
        PackedKeys = new float[headDim * keyBlock];
        PackedValues = new float[keyBlock * headDim];
        Segments = new KeySegment[maxSegments];
        Ranges = new KeyRange[maxSegments];
    }

    /// <summary>[row][head_dim]: the tile's query rows, already scaled by 1/√head_dim.</summary>
    public float[] Queries { get; }

    /// <summary>[row][head_dim]: unnormalized outputs.</summary>
    public float[] Outputs { get; }

    /// <summary>[row][key in block]: scores, then probabilities.</summary>
    public float[] Scores { get; }

    /// <summary>Running maximum per row.</summary>
    public float[] Max { get; }

    /// <summary>Running sum of exponentials per row.</summary>
    public float[] Sum { get; }

    /// <summary>Strided keys copied together, in the cache's format (at most 4 bytes a number), so the microkernels see contiguous rows.</summary>
    public byte[] GatheredKeys { get; }

    /// <summary>Their values.</summary>
    public byte[] GatheredValues { get; }

    /// <summary>The gathered keys' scales (int8).</summary>
    public float[] GatheredKeyScales { get; }

    /// <summary>The gathered values' scales (int8).</summary>
    public float[] GatheredValueScales { get; }

    /// <summary>[head_dim][key in block]: the packed algorithm's Kᵀ tile, widened, int8 scales folded in.</summary>
    public float[] PackedKeys { get; }

    /// <summary>[key in block][head_dim]: the packed algorithm's values of a compressed cache, widened once per block.</summary>
    public float[] PackedValues { get; }

    /// <summary>
    /// [format]: fewest rows per run for which the packed algorithm is taken — the cost model's
    /// <see cref="AttentionAlgorithms.PackedFromRows"/> for this head_dim and SIMD path, computed once;
    /// 0 or <see cref="int.MaxValue"/> where a test forces one algorithm.
    /// </summary>
    public int[] PackedFromRows { get; } = new int[4];

    public KeySegment[] Segments { get; }

    public KeyRange[] Ranges { get; }
}
