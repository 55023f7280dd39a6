using System.Collections.Generic;
using System.Linq;

namespace KernelGen.Checkpoints;

/// <summary>One tensor of a safetensors file, as its header describes it, checked against the file.</summary>
/// <param name="Name">The tensor's name, for example <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="DType">Its element type as written: <c>F32</c>, <c>F16</c>, <c>BF16</c>, ...</param>
/// <param name="Shape">Its sizes, outermost first (row-major).</param>
/// <param name="FileOffset">Where its data starts, counted from the start of the file.</param>
/// <param name="ByteLength">Bytes its data takes.</param>
public sealed record SafeTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long FileOffset, long ByteLength)
{
    /// <summary>Elements: the product of the sizes (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    /// <summary>The shape as written in messages: <c>[512, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
