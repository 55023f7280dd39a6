namespace KernelGen.Decoding;

/// <summary>The activations of one <see cref="DecoderSession.Prefill"/> block, <c>[PrefillBlock][width]</c> each.</summary>
internal sealed class PrefillBuffers(ModelShape shape)
{
    private const int Block = DecoderSession.PrefillBlock;

    public float[] X { get; } = new float[Block * shape.Dim];

    public float[] Normed { get; } = new float[Block * shape.Dim];

    public float[] Query { get; } = new float[Block * shape.Dim];

    public float[] Key { get; } = new float[Block * shape.KvDim];

    public float[] Value { get; } = new float[Block * shape.KvDim];

    public float[] Attention { get; } = new float[Block * shape.Dim];

    public float[] Gate { get; } = new float[Block * shape.HiddenDim];

    public float[] Up { get; } = new float[Block * shape.HiddenDim];
}
