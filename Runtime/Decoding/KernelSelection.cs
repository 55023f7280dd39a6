using System;
using KernelGen.Kernels;

namespace KernelGen.Decoding;

/// <summary>Creates the attention kernels a <see cref="KernelChoice"/> names, for a shape known at run time.</summary>
public static class KernelSelection
{
    /// <summary>
    /// Creates kernels for <paramref name="shape"/>. <see cref="KernelChoice.Generated"/> asks
    /// <see cref="KernelRegistry"/> for a compiled class that accepts the shape and falls back to
    /// <see cref="GenericAttention"/> when none does.
    /// </summary>
    /// <param name="shape">The model's shape (for example a checkpoint's).</param>
    /// <param name="choice">The kernels wanted.</param>
    /// <param name="fallbackReason">Why generated kernels were not used, when they were asked for; otherwise null.</param>
    public static AttentionKernels Create(ModelShape shape, KernelChoice choice, out string? fallbackReason)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fallbackReason = null;
        switch (choice)
        {
            case KernelChoice.Generated:
                if (KernelRegistry.TryCreate(shape, out var generated, out _) && generated is not null)
                {
                    return generated;
                }

                var compiled = KernelRegistry.Describe();
                fallbackReason = compiled.Count == 0
                    ? "no [TransformerModel] class is compiled into this program"
                    : $"no compiled [TransformerModel] class accepts this shape (compiled: {string.Join("; ", compiled)})";
                return new GenericAttention(shape);
            case KernelChoice.Generic:
                return new GenericAttention(shape);
            case KernelChoice.Reference:
                return new ReferenceAttention(shape);
            default:
                throw new ArgumentOutOfRangeException(nameof(choice), choice, "Unknown kernel choice.");
        }
    }
}
