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
        GatheredKeys = new float[keyBlock * headDim];
        GatheredValues = new float[keyBlock * headDim];
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

    /// <summary>Strided keys copied together so the microkernels see contiguous rows.</summary>
    public float[] GatheredKeys { get; }

    /// <summary>Their values.</summary>
    public float[] GatheredValues { get; }

    public KeySegment[] Segments { get; }

    public KeyRange[] Ranges { get; }
}
