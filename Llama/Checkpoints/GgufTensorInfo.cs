using System.Collections.Generic;
using System.Linq;

namespace KernelGen.Checkpoints;

/// <summary>One tensor of a GGUF file, as its tensor-info record describes it, checked against the file.</summary>
/// <param name="Name">The tensor's name, for example <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Dimensions">Its sizes in ggml order, innermost (contiguous) first: a row-major <c>[rows][cols]</c> matrix is <c>[cols, rows]</c>.</param>
/// <param name="Type">Its element type.</param>
/// <param name="FileOffset">Where its data starts, counted from the start of the file.</param>
/// <param name="ByteLength">Bytes its data takes.</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgufTensorType Type, long FileOffset, long ByteLength)
{
    /// <summary>Elements: the product of the dimensions.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (product, size) => product * size);

    /// <summary>The dimensions as written in messages: <c>[64, 512]</c>.</summary>
    public string DimensionsText => "[" + string.Join(", ", Dimensions) + "]";
}
