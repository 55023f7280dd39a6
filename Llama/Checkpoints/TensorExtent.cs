namespace KernelGen.Checkpoints;

/// <summary>Where one tensor lies in a checkpoint's float payload, and its shape in llama2.c's words (for messages).</summary>
/// <param name="Name">The tensor's name in llama2.c, for example <c>wq</c>.</param>
/// <param name="Dimensions">Its shape, outer to inner, for example <c>[n_layers][dim][dim]</c>.</param>
/// <param name="Offset">First float, counted from the end of the header.</param>
/// <param name="Length">Floats it holds.</param>
internal readonly record struct TensorExtent(string Name, string Dimensions, long Offset, long Length)
{
    /// <summary>One past the tensor's last float.</summary>
    public long End => Offset + Length;
}
